"""Other defect scores from the visual members (experiments/visual_defect_scores.py): config reading and rules."""
import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from experiments.visual_defect_scores import (FREE_INDEX, alone, defect_probabilities, ensemble_members,  # noqa: E402
                                              rule_scores, string_parameter)
from trainer.common.repo_writer import _q, param_value  # noqa: E402


class VisualDefectScoresTest(unittest.TestCase):
    def test_string_parameter_reads_escaped_json_back(self):
        value = {'note': 'a "quoted" word and a back\\slash', 'n': 2}
        quoted = _q(param_value(value))
        text = ('parameters {\n  key: "other"\n  value: { string_value: "x" }\n}\n'
                f'parameters {{\n  key: "calibration_json"\n  value: {{ string_value: {quoted} }}\n}}\n')
        import json
        self.assertEqual(json.loads(string_parameter(text, 'calibration_json')), value)
        self.assertEqual(string_parameter(text, 'other'), 'x')
        with self.assertRaises(KeyError):
            string_parameter(text, 'missing')

    def test_ensemble_members_in_config_order(self):
        calibration = {'applied_in_graph': True, 'members': {'visual_segnet': {'temperature': 0.9, 'weight': 0.5},
                                                             'visual_patchnet': {'temperature': 1.3, 'weight': 0.5}}}
        with tempfile.TemporaryDirectory() as repo:
            os.makedirs(os.path.join(repo, 'visual_ensemble'))
            with open(os.path.join(repo, 'visual_ensemble', 'config.pbtxt'), 'w') as f:
                f.write(f'parameters {{\n  key: "calibration_json"\n  value: {{ string_value: '
                        f'{_q(param_value(calibration))} }}\n}}\n')
            self.assertEqual(ensemble_members(repo), [('visual_segnet', 0.9), ('visual_patchnet', 1.3)])

    def test_defect_probability_is_one_minus_calibrated_free(self):
        logits = np.zeros((2, 6))
        logits[0, FREE_INDEX] = np.log(5.0)          # P(Free) = 5 / 10 at temperature 1
        np.testing.assert_allclose(defect_probabilities(logits, 1.0), [0.5, 5 / 6])
        np.testing.assert_allclose(defect_probabilities(logits, 1e9), [5 / 6, 5 / 6], rtol=1e-6)

    def test_rules(self):
        p = np.array([[0.2, 0.9], [0.6, 0.5], [0.4, 0.1]])   # three members, two images
        s = rule_scores(p)
        np.testing.assert_allclose(s['mean'], [0.4, 0.5])
        np.testing.assert_allclose(s['maximum'], [0.6, 0.9])
        np.testing.assert_allclose(s['noisy-OR'], [1 - 0.8 * 0.4 * 0.6, 1 - 0.1 * 0.5 * 0.9])
        np.testing.assert_allclose(s['mean of the two highest'], [0.5, 0.7])
        np.testing.assert_allclose(s['mean log-odds'][0], np.mean(np.log(p[:, 0] / (1 - p[:, 0]))))
        a = alone(['visual_segnet', 'visual_patchnet', 'visual_patchnet_b'], p)
        np.testing.assert_allclose(a['PatchNets only (mean)'], [0.5, 0.3])
        np.testing.assert_allclose(a['visual_segnet alone'], [0.2, 0.9])


if __name__ == '__main__':
    unittest.main()
