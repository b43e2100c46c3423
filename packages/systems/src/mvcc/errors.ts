/** An error a statement ends with, by SQLSTATE (PostgreSQL's codes: 40001, 40P01, 55P03, 23505, 25P02 …). */
export class SqlError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
