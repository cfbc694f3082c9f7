"What the instructor relies on beside the lessons: the answer key answers every question, the times the guide and the lessons state are the measured ones, and Run All goes through offline"
import json, re
from pathlib import Path
from corpus import colour_photos

LESSONS = Path(__file__).resolve().parent.parent/'nbs'/'lessons'

def numbered(md:str, heading:str)->list:
    "The numbered items of the list under `heading` in markdown `md`"
    part = md.split(heading, 1)[1]
    part = re.split(r'^#{1,2} ', part, flags=re.M)[0] if re.search(r'^#{1,2} ', part, re.M) else part
    return re.findall(r'^\d+\. (.+)$', part, re.M)

def markdown(fn): return '\n'.join(''.join(c['source']) for c in json.loads(fn.read_text())['cells'] if c['cell_type'] == 'markdown')

def test_every_question_has_an_answer():
    key = markdown(LESSONS/'_instructor'/'answers.ipynb')
    for fn in sorted(LESSONS.glob('0*.ipynb')):
        n = int(fn.name[:2])
        questions = numbered(markdown(fn), '## Questionnaire')
        answers = numbered(key, f'## Lesson {n}:')
        assert len(questions) >= 15 and len(answers) == len(questions), (fn.name, len(questions), len(answers))
        assert all(len(a) > 60 for a in answers), fn.name # an answer, not a placeholder
        further = markdown(fn).split('## Further research', 1)
        assert len(further) == 2 and len(re.findall(r'^- ', further[1], re.M)) >= 3, fn.name # each lesson ends with further research

def test_each_lesson_marks_a_few_questions_for_discussion():
    "The workshop has room for 4 or 5 questions a lesson in class; the questionnaire marks which, the rest are homework"
    for fn in sorted(LESSONS.glob('0*.ipynb')):
        marked = [q for q in numbered(markdown(fn), '## Questionnaire') if q.endswith('*(discuss)*')]
        assert 4 <= len(marked) <= 5, (fn.name, len(marked))

def test_times_in_the_guide_and_the_lessons_are_the_measured_ones():
    "times.json (written by tools/time_lessons.py) is the one source of the guide's CPU-time column and of the time at the top of each lesson"
    times = json.loads((LESSONS/'times.json').read_text())['seconds']
    def table_time(s): return f'{s} s' if s < 90 else f'{s//60} min {s%60} s'
    def about(s): return 'a few seconds' if s < 15 else f'about {round(s/10)*10} seconds' if s < 45 else 'about a minute' if s < 90 else f'about {round(s/60)} minutes'
    guide = markdown(LESSONS/'index.ipynb')
    assert sorted(times) == sorted(p.stem for p in LESSONS.glob('0*.ipynb'))
    for stem, t in times.items():
        row = next(l for l in guide.splitlines() if f'({stem}.ipynb)' in l)
        assert row.endswith(f'| {table_time(t)} |'), (row, t)
        assert f'runs in {about(t)} on a 2-core CPU' in markdown(LESSONS/f'{stem}.ipynb'), (stem, about(t))

def test_run_all_goes_through_offline():
    "Jupyter's Run All runs `#| eval: false` cells too (only nbdev-test skips them): in a lesson they may only show a widget, never need internet, a GPU or a server"
    for fn in sorted(LESSONS.glob('0*.ipynb')):
        for c in json.loads(fn.read_text())['cells']:
            s = ''.join(c['source'])
            if c['cell_type'] == 'code' and re.match(r'#\|\s*eval:\s*false', s):
                assert s.splitlines()[1:] == ['Cleaner(learn)'], (fn.name, s) # a widget: it waits for clicks without blocking the kernel

def test_lesson1_own_photos_section_runs_on_a_colour_folder(tmp_path):
    "Lesson 1's section 10 with `my_photos` set to a generated folder of colour photos of any size: checked, split at random, trained, saved, loaded and asked"
    nb = json.loads((LESSONS/'01_first_classifier.ipynb').read_text())['cells']
    srcs = [''.join(c['source']) for c in nb]
    start = next(i for i, s in enumerate(srcs) if s.startswith('## 10. Your own photos'))
    end = next(i for i, s in enumerate(srcs) if s.startswith('## Try it yourself'))
    imports = next(s for s in srcs if 'from fastai.vision.all import *' in s)
    code = [s for c, s in zip(nb[start:end], srcs[start:end]) if c['cell_type'] == 'code' and '#| eval: false' not in s]
    assert code[0].startswith('my_photos = None'), code[0]
    folder = colour_photos(tmp_path/'my photos') # a learner's folder: no split folders
    code[0] = code[0].replace('my_photos = None', f'my_photos = {str(folder)!r}', 1)
    ns = dict(work=tmp_path/'work')
    exec(imports, ns)
    for s in code: exec(s.replace('#| hide', ''), ns) # the hidden cell's checks run too
    assert ns['labels'] == ['stormy', 'sunny'] and len(ns['problems']) == 0
    assert len(ns['photo_dls'].valid_ds) == int(0.2*48) # RandomSplitter held out 20% (rounded down)
    err = ns['photo_learn'].validate()[1]
    assert err <= 0.2, f'the model did not learn the generated folder: error rate {err:.2f}' # colour alone tells its labels apart
    assert (tmp_path/'work'/'photo_model'/'imgclf.json').exists()
