"""The trainer's command line refuses options that do not apply, before any data is read."""
import contextlib
import io
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from torch_checks import requires_torch  # noqa: E402


def refusal(argv):
    """The usage error `python3 -m trainer ARGV` exits with (its stderr), or None if it did not exit."""
    from trainer.__main__ import main
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.suppress(SystemExit):
        main(argv)
        return None
    return err.getvalue()


class CliTest(unittest.TestCase):
    def test_thermal_only_options_are_refused_for_other_modalities(self):
        self.assertIn('--device applies to the thermal model only',
                      refusal(['train', 'visual', '--device', 'cuda']))
        self.assertIn('--serve-members applies to the thermal model only',
                      refusal(['train', 'electrical', '--serve-members', '4']))
        self.assertIn('--fold must be between 0 and 4', refusal(['train', 'thermal', '--fold', '7']))

    @requires_torch
    def test_cuda_without_a_gpu_is_refused_with_a_pointer(self):
        import torch
        if torch.cuda.is_available():
            self.skipTest('this machine has a CUDA device')
        self.assertIn('PyTorch sees no CUDA device', refusal(['train', 'thermal', '--device', 'cuda']))


if __name__ == '__main__':
    unittest.main()
