import { uuidv7 } from 'uuidv7';

/** Row ids are UUIDv7: time-ordered, so B-tree inserts stay local. */
export function newId(): string {
  return uuidv7();
}
