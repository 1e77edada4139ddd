"""PyTorch's torchrun (torch.distributed.run) as it is, with one fix for Debian's torch 1.13 on Python 3.12: its
Std.from_str returns None for "0" (IntFlag membership of a zero flag changed in 3.12), which crashes every launch."""
import sys

from torch.distributed.elastic.multiprocessing.api import Std

_from_str = Std.from_str.__func__


def _from_str_fixed(cls, vm):
    return Std(int(vm)) if vm.strip().isdigit() else _from_str(cls, vm)


Std.from_str = classmethod(_from_str_fixed)

if __name__ == "__main__":
    from torch.distributed.run import main
    sys.argv[0] = "torchrun"
    main()
