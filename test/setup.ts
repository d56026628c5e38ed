// jest setupFiles: the library's warnings are collected, not printed (test/util/warnings.ts).
import { collectWarnings } from './util/warnings';

collectWarnings();
