import { describe, expect, it } from 'vitest';
import { checkHistory } from './run-check';

/** Porcupine's key-value shape: the key in its own field, and a key never written reads "". */
const KEY_FIELD = `{:process 0, :type :invoke, :f :put, :key "5", :value "a"}
{:process 0, :type :ok, :f :put, :key "5", :value "a"}
{:process 1, :type :invoke, :f :get, :key "4", :value nil}
{:process 1, :type :ok, :f :get, :key "4", :value ""}
{:process 1, :type :invoke, :f :append, :key "5", :value "b"}
{:process 1, :type :ok, :f :append, :key "5", :value "b"}
{:process 0, :type :invoke, :f :get, :key "5", :value nil}
{:process 0, :type :ok, :f :get, :key "5", :value "ab"}
`;

describe("the lab's checker page", () => {
  it('judges a history with the key in its own field as dslab check does (a key never written reads "")', () => {
    expect(checkHistory(KEY_FIELD, 'kv').verdict).toBe('linearizable');
    expect(checkHistory(KEY_FIELD.replace(':value "ab"', ':value "a"'), 'kv').verdict).toBe(
      'not-linearizable',
    );
  });
});
