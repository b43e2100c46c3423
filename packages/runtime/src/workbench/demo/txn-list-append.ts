// Demo node for txn-list-append: the transactional node in txn.ts serves both transactional workloads.
import './txn';
