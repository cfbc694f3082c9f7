"Labels from a CSV file and multi-label models, end to end through the `imgclf` command (a file of its own, so that pytest-xdist runs it beside test_cli.py)"
import json, shutil
import pandas as pd, pytest
from test_cli import run, TINY

def labelled_flat_folder(dest, n=(20, 5, 5), labels=('bag', 'coat', 'sandal', 'trouser')):
    "A flat folder of colour JPEGs from fashion_tiny, as a labelling tool exports them, and its labels.csv (file,label,split)"
    from PIL import Image
    (dest/'images').mkdir(parents=True)
    rows = []
    for l in labels:
        for split, k in zip(('train', 'valid', 'test'), n):
            for f in sorted((TINY/split/l).glob('*.png'))[:k]:
                name = f'images/{l[:2]}_{split}_{f.stem}.jpg'
                Image.open(f).convert('RGB').save(dest/name, quality=95); rows.append((name, l, split))
    pd.DataFrame(rows, columns=['file', 'label', 'split']).to_csv(dest/'labels.csv', index=False)
    return dest

def test_labels_from_a_csv_file(tmp_path):
    "`imgclf train FOLDER --labels labels.csv` trains on a flat folder, keeps the CSV's split, and `imgclf evaluate --labels` gives the run's test accuracy"
    data = labelled_flat_folder(tmp_path/'flat')
    r = run('train', data, '--labels', data/'labels.csv', '--out', tmp_path/'run', '--epochs', '2')
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path/'run'/'metrics.json').read_text())
    assert (m['n_train'], m['n_valid'], m['n_test'], m['task']) == (80, 20, 20, 'single_label') and m['vocab'] == ['bag', 'coat', 'sandal', 'trouser']
    assert json.loads((tmp_path/'run'/'run.json').read_text())['labels'] == str(data/'labels.csv')
    assert 'labelled by `labels.csv`' in (tmp_path/'run'/'model'/'README.md').read_text()
    r = run('evaluate', tmp_path/'run'/'model', data, '--labels', data/'labels.csv', '--out', tmp_path/'eval')
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path/'eval'/'metrics.json').read_text())['test_accuracy'] == m['test_accuracy']
    r = run('summary', data, '--labels', data/'labels.csv')
    assert r.returncode == 0 and '120 images, 4 labels, splits: test, train, valid' in r.stdout, r.stdout + r.stderr
    t = pd.read_csv(data/'labels.csv') # 20 training images of three labels, 2 of trouser: 10:1
    t[~((t.label == 'trouser') & (t.split == 'train'))].pipe(lambda o: pd.concat([o, t[(t.label == 'trouser') & (t.split == 'train')][:2]])).to_csv(tmp_path/'imb.csv', index=False)
    r = run('check', data, '--labels', tmp_path/'imb.csv')
    assert r.returncode == 0 and 'imbalanced' in r.stderr and '10:1' in r.stderr, r.stderr

@pytest.mark.parametrize('csv, says', [
    ('image,class\nimages/x.jpg,bag\n', "its columns are 'image', 'class', and imgclf reads the image from 'file'"),
    ('file,label\nimages/x.jpg,\n', 'no label, e.g. line 2 (images/x.jpg)'),
    ('file,label\nimages/x.jpg,bag\n', '1 of the 1 images labels.csv names is not under'),
    ('file,label,split\nimages/x.jpg,bag,training\n', "line 2 says split 'training'"),
])
def test_bad_labels_file_is_one_clear_line(csv, says, tmp_path):
    (tmp_path/'images').mkdir(); (tmp_path/'labels.csv').write_text(csv)
    r = run('train', tmp_path, '--labels', tmp_path/'labels.csv', '--out', tmp_path/'run')
    assert r.returncode == 1 and says in r.stderr and 'Fix:' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert r.stderr.strip().count('\n') == 0 and not (tmp_path/'run').exists() # refused before the run folder is made
    r = run('train', tmp_path, '--labels', tmp_path/'nope.csv')
    assert r.returncode == 1 and 'No such labels file' in r.stderr, r.stderr

def test_multi_label_end_to_end(tmp_path):
    "A multi-label CSV trains a multi-label model; evaluate gives its mAP again; predict lists its labels; the .onnx file alone answers as the folder does"
    import onnx
    from imgclf.datasets import fashion_multi
    data = fashion_multi(tmp_path/'fm', n_train=400, n_valid=100, n_test=100)
    r = run('train', data, '--labels', data/'labels.csv', '--out', tmp_path/'run', '--epochs', '4')
    assert r.returncode == 0 and 'several per image' in r.stdout and 'exact match' in r.stdout, r.stderr
    m = json.loads((tmp_path/'run'/'metrics.json').read_text())
    assert m['task'] == 'multi_label' and m['n_test'] == 100 and 0 < m['report']['map'] <= 1
    assert {'map', 'micro_f1', 'threshold', 'recall', 'ap', 'balanced_accuracy'} <= set(m['report'])
    assert 'mAP' in (tmp_path/'run'/'report.html').read_text()
    r = run('evaluate', tmp_path/'run'/'model', data, '--labels', data/'labels.csv', '--out', tmp_path/'eval')
    assert r.returncode == 0 and 'mAP' in r.stdout, r.stderr
    e = json.loads((tmp_path/'eval'/'metrics.json').read_text())
    assert e['test_accuracy'] == m['test_accuracy'] and e['report']['map'] == m['report']['map']
    pics = sorted((data/'images').glob('*.png'))[500:520] # test pictures
    r = run('export', tmp_path/'run'/'model', '--onnx', tmp_path/'m.onnx')
    assert r.returncode == 0, r.stderr
    props = {p.key: p.value for p in onnx.load(str(tmp_path/'m.onnx')).metadata_props}
    assert props['task'] == 'multi-label classification' and 'sigmoid' in props['output']
    (tmp_path/'elsewhere').mkdir(); shutil.move(tmp_path/'m.onnx', tmp_path/'elsewhere'/'m.onnx')
    rows = {}
    for model in (tmp_path/'run'/'model', tmp_path/'elsewhere'/'m.onnx'):
        r = run('predict', model, *pics, '--csv', tmp_path/'p.csv')
        assert r.returncode == 0, r.stderr
        rows[model.suffix] = pd.read_csv(tmp_path/'p.csv', keep_default_na=False).set_index('path')
    folder, alone = rows[''], rows['.onnx'].loc[rows[''].index]
    assert (folder.label == alone.label).mean() >= 0.95 and (folder.confidence - alone.confidence).abs().max() < 0.02
    assert any(';' in l for l in folder.label) # some pictures get several labels
