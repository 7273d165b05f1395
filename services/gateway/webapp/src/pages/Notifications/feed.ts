// 消息提醒: the read model's notification feed (new to-dos, deadlines approaching or overdue) for the
// signed-in reader, and its read marker.
import { api } from "../../services/api";

export interface Notification {
  id: number;
  project_id: string;
  kind: "todo" | "deadline_approaching" | "deadline_overdue";
  text_zh: string;
  due_on: string | null;
  created_at: string;
  read: boolean;
}

export interface Feed {
  items: Notification[];
  unread: number;
}

export const FEED = "/api/catalog/portfolio/notifications";

export function loadFeed(beforeId?: number, limit = 20): Promise<Feed> {
  return api.get<Feed>(FEED, { limit, before_id: beforeId });
}

/** Mark read up to an id (everything when absent); answers how many stay unread. */
export function markRead(upToId?: number): Promise<{ read_up_to: number; unread: number }> {
  return api.post(`${FEED}/read`, upToId === undefined ? {} : { up_to_id: upToId });
}

/** Tell the navigation badge to count again (after a mark-read on the page). */
export const FEED_CHANGED = "govproj:notifications-changed";
