-- Up Migration
-- At most one running A/B experiment per model, enforced where two gateway replicas cannot both slip past it.

CREATE UNIQUE INDEX experiments_one_running_ab ON experiments (model_name) WHERE kind = 'ab' AND status = 'running';
