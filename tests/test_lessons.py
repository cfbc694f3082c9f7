"What the instructor relies on beside the lessons: the answer key answers every question, and the times the guide and the lessons state are the measured ones"
import json, re
from pathlib import Path

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
        assert len(questions) >= 5 and len(answers) == len(questions), (fn.name, len(questions), len(answers))
        assert all(len(a) > 60 for a in answers), fn.name # an answer, not a placeholder

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
