import test from 'ava';
import { editLines, type LineEditSpec } from '../../../src/modules/lib/line-edit.js';
import { expandBackrefs, pythonRegex } from '../../../src/modules/lib/python-regex.js';

const re = (p: string) => pythonRegex(p);

const cases: Array<[string, string, LineEditSpec, string, string]> = [
  // name, before, spec, after, msg
  ['replaces the last regexp match', 'a=1\nb=2\na=3\n', { state: 'present', regexp: re('^a='), line: 'a=9' }, 'a=1\nb=2\na=9\n', 'line replaced'],
  ['firstmatch replaces the first', 'a=1\nb=2\na=3\n', { state: 'present', regexp: re('^a='), line: 'a=9', firstmatch: true }, 'a=9\nb=2\na=3\n', 'line replaced'],
  ['unchanged when the matched line is already right', 'a=1\nb=2\n', { state: 'present', regexp: re('^a='), line: 'a=1' }, 'a=1\nb=2\n', ''],
  ['appends at EOF when nothing matches', 'a=1\n', { state: 'present', regexp: re('^c='), line: 'c=3' }, 'a=1\nc=3\n', 'line added'],
  ['adds the missing final newline before appending', 'a=1', { state: 'present', line: 'b=2' }, 'a=1\nb=2\n', 'line added'],
  ['exact line already present: unchanged', 'x\ny\n', { state: 'present', line: 'y' }, 'x\ny\n', ''],
  ['empty file', '', { state: 'present', line: 'first' }, 'first\n', 'line added'],
  ['insertafter the last match of a regexp', '[a]\nk=1\n[b]\nk=2\n', { state: 'present', line: 'new=1', insertafter: re('^\\[a\\]') }, '[a]\nnew=1\nk=1\n[b]\nk=2\n', 'line added'],
  ['insertafter without a match goes to EOF', 'k=1\n', { state: 'present', line: 'new=1', insertafter: re('^nothing') }, 'k=1\nnew=1\n', 'line added'],
  ['insertbefore a regexp', 'a\nEND\n', { state: 'present', line: 'b', insertbefore: re('^END$') }, 'a\nb\nEND\n', 'line added'],
  ['insertbefore BOF', 'a\n', { state: 'present', line: '# managed', insertbefore: 'BOF' }, '# managed\na\n', 'line added'],
  ['insertafter/before only apply when regexp matched nothing', 'a=1\nEND\n', { state: 'present', regexp: re('^a='), line: 'a=2', insertbefore: re('^END') }, 'a=2\nEND\n', 'line replaced'],
  ['search_string selects literally', 'path=/a.b\n', { state: 'present', search_string: '/a.b', line: 'path=/c' }, 'path=/c\n', 'line replaced'],
  ['backrefs expand groups', 'ETCD_NAME="old"\n', { state: 'present', regexp: re('^(ETCD_NAME)=.*$'), line: '\\1="new"', backrefs: true }, 'ETCD_NAME="new"\n', 'line replaced'],
  ['backrefs with named groups, Python syntax', 'x: 10\n', { state: 'present', regexp: re('^(?P<k>x): \\d+$'), line: '\\g<k>: 20', backrefs: true }, 'x: 20\n', 'line replaced'],
  ['backrefs without a match leave the file alone', 'a\n', { state: 'present', regexp: re('^zzz(.*)'), line: '\\1', backrefs: true }, 'a\n', ''],
  ['CRLF files get CRLF lines', 'a=1\r\nb=2\r\n', { state: 'present', line: 'c=3' }, 'a=1\r\nb=2\r\nc=3\r\n', 'line added'],
  ['CRLF: a replaced line keeps its ending', 'a=1\r\nb=2\r\n', { state: 'present', regexp: re('^a='), line: 'a=5' }, 'a=5\r\nb=2\r\n', 'line replaced'],
  ['absent removes every match', '# x\nkeep\n# y\n', { state: 'absent', regexp: re('^#') }, 'keep\n', '2 line(s) removed'],
  ['absent by exact line', 'a\nb\na\n', { state: 'absent', line: 'a' }, 'b\n', '2 line(s) removed'],
  ['absent with nothing to remove', 'a\n', { state: 'absent', regexp: re('^z') }, 'a\n', ''],
  ['(?i) inline flag', 'Listen 80\n', { state: 'present', regexp: re('(?i)^listen '), line: 'Listen 8080' }, 'Listen 8080\n', 'line replaced'],
  ['$ matches before the line end', 'a=1\n', { state: 'present', regexp: re('^a=1$'), line: 'a=2' }, 'a=2\n', 'line replaced'],
];

for (const [name, before, spec, after, msg] of cases) {
  test(`editLines: ${name}`, (t) => {
    const r = editLines(before, spec);
    t.is(r.content, after);
    t.is(r.msg, msg);
    t.is(r.changed, before !== after);
  });
}

test('pythonRegex: translates Python-only syntax and refuses verbose mode', (t) => {
  t.is(pythonRegex('(?P<a>x)(?P=a)\\A\\Z').source, '(?<a>x)\\k<a>^$');
  t.throws(() => pythonRegex('(?x) a b'), { message: /verbose/ });
  t.throws(() => pythonRegex('('), { message: /invalid regexp/ });
});

test('expandBackrefs: numbers, \\g<>, escapes, missing groups', (t) => {
  const m = /(a)(b)?(?<c>c)/.exec('ac')!;
  t.is(expandBackrefs('\\1-\\2-\\g<c>-\\g<1>\\n\\\\', m), 'a--c-a\n\\');
});
