"""experiments/visual_errors_by_shape.py: errors counted by class and image shape."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from experiments.visual_errors_by_shape import errors_by_shape, shape_of, training_shapes  # noqa: E402


def row(cls, w, h):
    return {'class': cls, 'width': str(w), 'height': str(h), 'split': 'dev'}


class ErrorsByShapeTest(unittest.TestCase):
    manifest = {'a.jpg': row('Crack', 600, 240), 'b.jpg': row('Crack', 300, 300), 'c.jpg': row('Free', 150, 380),
                'd.jpg': row('Crack', 590, 250), 'e.jpg': row('Free', 300, 310)}

    def test_shapes(self):
        self.assertEqual(shape_of(600, 240), 'wide')
        self.assertEqual(shape_of(150, 380), 'tall')
        self.assertEqual(shape_of(300, 420), 'square')   # 1.4 : 1 is not beyond 1.5

    def test_only_misclassified_items_count(self):
        items = [{'id': 'a.jpg', 'true_class': 'Crack', 'predicted_class': 'Free'},
                 {'id': 'b.jpg', 'true_class': 'Crack', 'predicted_class': 'Crack'},
                 {'id': 'c.jpg', 'true_class': 'Free', 'predicted_class': 'Crack'}]
        self.assertEqual(dict(errors_by_shape(items, self.manifest)),
                         {('Crack', 'Free', 'wide'): 1, ('Free', 'Crack', 'tall'): 1})

    def test_training_shapes_leave_out_the_reported_fold(self):
        items = [{'id': 'a.jpg', 'true_class': 'Crack', 'predicted_class': 'Free'}]
        self.assertEqual(dict(training_shapes(items, self.manifest)),
                         {('Crack', 'square'): 1, ('Crack', 'wide'): 1, ('Free', 'tall'): 1, ('Free', 'square'): 1})


if __name__ == '__main__':
    unittest.main()
