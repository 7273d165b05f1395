// The choices the library and the cockpit offer: jurisdictions with a pack, and the read model's stages
// (drafts stay in intake and are never listed).
export const JURISDICTIONS = ["dazhou", "quzhou", "jiyuan", "fengxian", "suqian"];
export const STAGES = ["submitted", "admitted", "in_review", "approved", "estimate", "procurement", "contracted", "trial_run", "accepted", "in_catalog", "retired", "rejected"];
