import { collectWarnings, takeWarnings } from './warnings';
import { setWarningSink, STDERR_SINK, warn, warnOnce } from '../../src/util/warnings';

describe('the warning channel', () => {
  afterEach(() => collectWarnings());

  test('GIVEN the default sink WHEN warning THEN one stderr line with the library prefix', () => {
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      setWarningSink(STDERR_SINK);
      warn('something to say');
      expect(spy.mock.calls.map(c => String(c[0]))).toEqual(['[cdk8s-org-ca] warning: something to say\n']);
    } finally {
      spy.mockRestore();
    }
  });

  test('GIVEN warnOnce WHEN the same message twice THEN one warning; a new sink hears it again', () => {
    takeWarnings();
    warnOnce('once');
    warnOnce('once');
    warn('twice');
    warn('twice');
    expect(takeWarnings()).toEqual(['once', 'twice', 'twice']);
    const heard: string[] = [];
    const previous = setWarningSink(m => heard.push(m));
    warnOnce('once');
    expect(heard).toEqual(['once']);
    setWarningSink(previous);
  });
});
