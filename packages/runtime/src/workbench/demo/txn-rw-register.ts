// Demo node for txn-rw-register: the transactional node in txn.ts serves both transactional workloads.
import './txn';
