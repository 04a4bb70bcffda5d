# ProC-KD settings shared by detector students (augmentation on every FPN level).
procd = dict(
    proto_head=dict(
        channels=256, num_prototypes=72, grid_level=0, assign_temperature=0.1, center=True),
    aug_neck=dict(embed_channels=128, final_relu=False),
    guided=True,
    student_weight=1.0,
    guided_weight=1.0,
    loss_feat=dict(type='procd_mm.FeatureMSELoss', loss_weight=1.0, normalize=True),
    teacher_amp='auto')
# Resumes the run's own checkpoints with full unpickling; everything else loads weights-only.
runner_type = 'procd_mm.ProCDRunner'
custom_imports = dict(imports=['procd_mm.models', 'procd_mm.engine'], allow_failed_imports=False)
# Stop at the first non-finite loss, naming the iteration, the keys and the last checkpoint.
custom_hooks = [dict(type='procd_mm.NonFiniteLossHook')]
