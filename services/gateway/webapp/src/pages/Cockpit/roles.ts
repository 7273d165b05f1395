// Who the cockpit is for: the bureau and the other supervising offices, and the leaders (a unit reads its
// own projects from the library and its 工作台). Separate from the page so the menu does not load its charts.
import { LEADER_ROLES } from "../../components/auth";

export const COCKPIT_ROLES = ["data_bureau", "drc", "finance", "audit", "leading_office", ...LEADER_ROLES];
