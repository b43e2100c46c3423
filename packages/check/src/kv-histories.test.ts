import { describe, expect, it } from 'vitest';
import { checkLinearizable } from './linearizable';
import { kvModel } from './model';
import { modelFor } from './named-model';
import { detectFormat, readEdnHistory, readHistory, readJsonHistory, usesKeyField } from './readers';

/** Porcupine-style key-value histories (MIT 6.824's kv tests): the key in its own field; a missing key reads "". */
const KEY_FIELD_VALID = `{:process 0, :type :invoke, :f :append, :key "4", :value "x 0 1 y"}
{:process 1, :type :invoke, :f :get, :key "4", :value nil}
{:process 0, :type :ok, :f :append, :key "4", :value "x 0 1 y"}
{:process 1, :type :ok, :f :get, :key "4", :value ""}
{:process 0, :type :invoke, :f :put, :key "5", :value "a"}
{:process 0, :type :ok, :f :put, :key "5", :value "a"}
{:process 1, :type :invoke, :f :append, :key "5", :value "b"}
{:process 1, :type :ok, :f :append, :key "5", :value "b"}
{:process 0, :type :invoke, :f :get, :key "5", :value nil}
{:process 0, :type :ok, :f :get, :key "5", :value "ab"}
{:process 1, :type :invoke, :f :get, :key "4", :value nil}
{:process 1, :type :ok, :f :get, :key "4", :value "x 0 1 y"}
`;

/** The same, except that the last append to "5" is lost: the read after it returns "a". */
const KEY_FIELD_INVALID = KEY_FIELD_VALID.replace(':value "ab"', ':value "a"');

describe('key-value histories with the key in its own field', () => {
  it('reads :key as the first element of the kv vocabulary; a get carries its result in the :ok', () => {
    const history = readEdnHistory(KEY_FIELD_VALID);
    expect(history).toHaveLength(6);
    expect(history[0]).toMatchObject({ f: 'append', input: ['4', 'x 0 1 y'], outcome: 'ok' });
    expect(history[1]).toMatchObject({ f: 'get', input: ['4', null], output: '', outcome: 'ok' });
    expect(history[4]).toMatchObject({ f: 'get', input: ['5', null], output: 'ab' });
    expect(usesKeyField(KEY_FIELD_VALID, 'edn')).toBe(true);
  });

  it('checks them with the kv model: the valid one is linearizable, the lost append is not', () => {
    const valid = checkLinearizable(readEdnHistory(KEY_FIELD_VALID), kvModel(''));
    expect(valid.verdict).toBe('linearizable');
    expect(valid.parts).toHaveLength(2);
    const invalid = checkLinearizable(readEdnHistory(KEY_FIELD_INVALID), kvModel(''));
    expect(invalid.verdict).toBe('not-linearizable');
    // The default model for this shape reads a key never written as "" (as the histories do).
    const model = modelFor('kv', 'edn', { keyField: usesKeyField(KEY_FIELD_VALID, 'edn') });
    expect(checkLinearizable(readEdnHistory(KEY_FIELD_VALID), model).verdict).toBe('linearizable');
  });

  it('JSON events with a "key" field read the same way', () => {
    const json = JSON.stringify([
      { process: 0, type: 'invoke', f: 'put', key: 'a', value: '1' },
      { process: 0, type: 'ok', f: 'put', key: 'a', value: '1' },
      { process: 1, type: 'invoke', f: 'get', key: 'a', value: null },
      { process: 1, type: 'ok', f: 'get', key: 'a', value: '2' },
    ]);
    expect(detectFormat(json)).toBe('json');
    expect(usesKeyField(json, 'json')).toBe(true);
    const history = readJsonHistory(json);
    expect(history[1]).toMatchObject({ f: 'get', input: ['a', null], output: '2' });
    expect(checkLinearizable(history, kvModel('')).verdict).toBe('not-linearizable');
  });

  it('a completion whose key differs from its invocation is an error naming the line', () => {
    const text = `{:process 0, :type :invoke, :f :get, :key "1", :value nil}\n{:process 0, :type :ok, :f :get, :key "2", :value "x"}`;
    expect(() => readHistory(text, 'edn')).toThrow(/line 2: .*key "2".*key "1"/);
  });

  it('Jepsen independent histories (:value [k v], a read completing with [k v]) check the same', () => {
    const text = `[{:process 0, :type :invoke, :f :write, :value [k1 3]}
 {:process 0, :type :ok, :f :write, :value [k1 3]}
 {:process 1, :type :invoke, :f :read, :value [k1 nil]}
 {:process 1, :type :ok, :f :read, :value [k1 3]}]`;
    expect(usesKeyField(text, 'edn')).toBe(false);
    expect(checkLinearizable(readEdnHistory(text), kvModel(null)).verdict).toBe('linearizable');
    const wrong = text.replace(':ok, :f :read, :value [k1 3]', ':ok, :f :read, :value [k1 4]');
    expect(checkLinearizable(readEdnHistory(wrong), kvModel(null)).verdict).toBe('not-linearizable');
  });
});
