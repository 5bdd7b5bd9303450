"""The electrical ensemble's input_max_missing_fraction: what the gateway lets a row miss before refusing it."""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from trainer.electrical.export import max_missing_fraction  # noqa: E402
from trainer.electrical.pipeline import HP  # noqa: E402


class MissingLimitTest(unittest.TestCase):
    def test_the_limit_must_admit_every_development_row(self):
        x = np.ones((4, 10))
        x[0, :3] = np.nan      # the most any row misses: 30 %
        self.assertEqual(max_missing_fraction({'max_missing_fraction': 0.5}, x), 0.5)
        self.assertEqual(max_missing_fraction({'max_missing_fraction': 0.3}, x), 0.3)
        for bad in (0.2, 0.0, 1.5):
            with self.assertRaises(ValueError):
                max_missing_fraction({'max_missing_fraction': bad}, x)

    def test_the_committed_model_carries_the_recipe_limit(self):
        import re
        config = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'triton-model-repo', 'electrical_ensemble',
                              'config.pbtxt')
        with open(config) as f:
            m = re.search(r'key: "input_max_missing_fraction"\s*value: \{ string_value: "([^"]+)" \}', f.read())
        self.assertIsNotNone(m)
        self.assertEqual(float(m.group(1)), HP['max_missing_fraction'])


if __name__ == '__main__':
    unittest.main()
