# The ProC-Shapes teacher-length check recorded in docs/plans/procd_shapes.md, as it ran:
#   OMP_NUM_THREADS=1 .venv/bin/python docs/plans/procd_shapes_runs/teacher_epochs_check.py 30
# (from the repository root; the zoo teacher config retargeted to data/procd_shapes,
# max_epochs and the cosine's end set to 30, val every 10 epochs).
import sys, os, json, time
sys.path.insert(0, 'tools/model_zoo'); sys.path.insert(0, 'tools')
import run_zoo
from mmengine.config import Config
epochs = int(sys.argv[1])
cfg = Config.fromfile(run_zoo.TEACHER_CFG)
cfg = Config(run_zoo.retarget(cfg.to_dict(), 'data/procd_shapes', zoo_dir='work_dirs/zoo_shapes'), filename=cfg.filename)
cfg.work_dir = f'work_dirs/zoo_shapes_probes/teacher_e{epochs}'
cfg.train_cfg.max_epochs = epochs
cfg.train_cfg.val_interval = 10
cfg.param_scheduler[1].end = epochs
cfg.default_hooks.checkpoint.interval = 10
t0 = time.time()
runner = run_zoo.build_runner(cfg)
runner.train()
print('TEACHER', json.dumps(dict(epochs=epochs, train_s=round(time.time() - t0, 1))))
