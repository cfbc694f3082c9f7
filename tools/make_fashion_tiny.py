"Recreate imgclf/assets/fashion_tiny from the Fashion-MNIST IDX files (see imgclf/assets/README.md)."
from pathlib import Path
from imgclf.data import make_fashion_tiny

if __name__ == '__main__': print(make_fashion_tiny(Path(__file__).resolve().parent.parent/'imgclf'/'assets'/'fashion_tiny'))
