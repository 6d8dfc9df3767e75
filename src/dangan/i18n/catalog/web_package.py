"""上传台 (package desk) of the web application."""

MESSAGES: dict[str, tuple[str, str]] = {
    "web_package.title": ("上传台", "Package desk"),
    "web_package.nav": ("上传台", "Package desk"),
    "web_package.none": ("没有处于上传环节的小批次。", "No work batch is at the upload stage."),
    "web_package.batch_title": ("上传：小批次 {code}", "Upload: work batch {code}"),
    "web_package.explain": (
        "本项目的交付格式：{forms}。每种格式各打包一次；全部格式做完且你领取了本小批次时，上传环节自动签字。",
        "This project's delivery forms: {forms}. Package each form once; the upload stage is signed once every form is made and you hold the batch."),
    "web_package.run": ("打包 {form}", "Package {form}"),
    "web_package.stage": ("环节", "Stage"),
    "web_package.started": ("已开始打包小批次 {code}（{form}，{volumes} 卷）", "Packaging of work batch {code} started ({form}, {volumes} volume(s))"),
    "web_package.already_running": ("小批次 {code} 正在打包，请等它完成", "Work batch {code} is being packaged; wait for it to finish"),
    "web_package.volume_done": ("案卷 {code}：{files} 个文件", "Volume {code}: {files} file(s)"),
    "web_package.run_done": ("{form} 打包完成：{volumes} 卷，{files} 个文件，上传环节签字 {signed} 卷",
                             "{form} packaged: {volumes} volume(s), {files} file(s); upload signed for {signed} volume(s)"),
    "web_package.unknown_form": ("交付格式 {form} 不在本项目的配置中（可选：{choices}）",
                                 "Delivery form {form} is not configured for this project (choices: {choices})"),
    "web_package.stale_title": ("交付文件早于修图或卷内目录的案卷",
                                "Volumes whose delivery files are older than their retouch or catalogue"),
    "web_package.stale_explain": (
        "这些案卷打包后又修改了页（返工修图、手工替换）或卷内目录（标引返工、更正导入），"
        "交付文件仍是旧页或旧目录：移交会被拒绝。"
        "重新打包全部交付格式；已过上传环节且无未关闭返工的案卷须填写更正原因（记入过程记录）。",
        "These volumes had pages changed after they were packaged (a retouch rework, a hand-fixed "
        "page) or their catalogue (an index rework, a corrected import): their delivery files "
        "still hold the old pages or catalogue and the handover is refused. Package "
        "every delivery form again; a volume past upload with no open rework needs a correction "
        "reason (kept in its history)."),
    "web_package.correct": ("重新打包（更正）", "Package again (correction)"),
    "web_package.correct_reason": ("更正原因", "Reason of the correction"),
    "web_package.corrected": ("已重新打包案卷 {code}：{files} 个文件", "Volume {code} packaged again: {files} file(s)"),
    "web_package.rework_stale": (
        "{code} 的交付文件早于本卷修图或卷内目录：返工签字、复检和移交都要等上传员在上传台重新打包该卷。",
        "The delivery files of {code} are older than its retouched pages or catalogue: the "
        "rework's sign-off, "
        "its re-inspection and the handover wait until the uploader packages the volume again at "
        "the package desk."),
    "web_package.no_run": ("没有编号为 {id} 的打包任务", "No packaging run {id}"),
}
