__version__ = "0.0.1"

import warnings
# fastai 2.8 (and kornia) call `torch.jit.script` on import, which torch>=2.10 answers with a FutureWarning nobody using imgclf can act on
warnings.filterwarnings('ignore', message='`torch.jit.script` is deprecated', category=FutureWarning)
