"The instructor's answer key (nbs/lessons/_instructor/answers.ipynb) answers every question of every lesson's questionnaire, in order"
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
