# The realistic regime's teacher: a ResNet-50 (23.5 M backbone parameters, twice the
# student's) pretrained with the zoo teacher's recipe on a larger classification split of
# the same 10 teacher classes (200 images per class, generator seed 1; run_zoo.py writes it
# to <data>_cls_large). Produces work_dirs/zoo/teacher_r50/teacher_r50_procd-parts-large.pth.
_base_ = ['./teacher_r18_procd-parts-cls.py']
data_root = 'data/procd_parts_cls_large/cls/'
model = dict(backbone=dict(depth=50), head=dict(in_channels=2048))
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
work_dir = 'work_dirs/zoo/teacher_r50'
