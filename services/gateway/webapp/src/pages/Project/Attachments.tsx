// 附件: the application's files, kept by intake — the list with 预览 (PDF and images open in a new tab) and
// 下载, an upload for the owning unit while the application is a draft (the bureau at any stage), and delete
// while it is a draft. Files are fetched with the session's token, so a link never carries it.
import { useCallback, useEffect, useRef, useState } from "react";
import { Button, Card, Grid, Popconfirm, Space, Table, Typography, Upload } from "antd";
import type { UploadProps } from "antd";
import { useI18n } from "../../locales";
import { ApiProblem, api, newIdempotencyKey, optional, session, type Problem } from "../../services/api";
import { problemTitle, type ExplainedProblem } from "../../services/problem";
import ProblemAlert from "../../components/ProblemAlert";

export interface Attachment {
  id: string;
  name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  uploaded_by: string;
  uploaded_at: string;
}

export const UPLOAD_OP = "intake POST /api/intake/applications/{project_id}/attachments";
export const DELETE_OP = "intake DELETE /api/intake/applications/{project_id}/attachments/{attachment_id}";
/** The operations this card offers (the dossier's generic action list leaves them out). */
export const ATTACHMENT_OPS = [UPLOAD_OP, DELETE_OP];
/** What intake accepts (services/intake/attachments.py); it checks the bytes as well. */
export const ACCEPT = ".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.doc,.xls,.ofd";
const PREVIEWABLE = ["application/pdf", "image/png", "image/jpeg"];

export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Who may add or remove files now: the owning unit while a draft, the bureau (adding) at any stage. */
export function attachmentRights(
  user: { roles: string[]; unit: string | null } | null,
  owner: string | null,
  status: string | null,
): { upload: boolean; remove: boolean } {
  if (!user) return { upload: false, remove: false };
  const bureau = user.roles.includes("data_bureau");
  const ownUnit = user.roles.includes("unit") && Boolean(owner) && user.unit === owner;
  const draft = status === "draft";
  return { upload: bureau || (ownUnit && draft), remove: draft && (bureau || ownUnit) };
}

/** One Idempotency-Key per chosen file: a retry of the same file (the request failed on the way, or the
 * person chooses it again after a failure) re-sends its key, so intake stores it once and answers as the
 * first time; once stored, the file is forgotten and choosing it again is a new upload. */
export class UploadKeys {
  private readonly keys = new Map<string, string>();
  constructor(private readonly fresh: () => string = newIdempotencyKey) {}

  private static id(file: { name: string; size: number; lastModified?: number }): string {
    return JSON.stringify([file.name, file.size, file.lastModified ?? null]);
  }

  keyFor(file: { name: string; size: number; lastModified?: number }): string {
    const id = UploadKeys.id(file);
    if (!this.keys.has(id)) this.keys.set(id, this.fresh());
    return this.keys.get(id)!;
  }

  stored(file: { name: string; size: number; lastModified?: number }): void {
    this.keys.delete(UploadKeys.id(file));
  }
}

/** Answers worth one more try with the same key: the connection failed, or a gateway could not reach intake. */
export function worthRetrying(error: unknown): boolean {
  if (error instanceof ApiProblem) return [502, 503, 504].includes(error.status);
  return error instanceof TypeError; // fetch's network failure
}

function when(at: string): string {
  return String(at).replace("T", " ").slice(0, 16);
}

function base(projectId: string): string {
  return `/api/intake/applications/${encodeURIComponent(projectId)}/attachments`;
}

async function fetchFile(projectId: string, attachment: Attachment): Promise<Blob> {
  const response = await fetch(`${base(projectId)}/${encodeURIComponent(attachment.id)}`, {
    headers: { authorization: `Bearer ${session.get()?.token ?? ""}` },
  });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as Problem;
    throw new ApiProblem({ ...problem, status: response.status });
  }
  return response.blob();
}

export default function AttachmentsCard({
  projectId,
  owner,
  status,
  user,
  onChange,
}: {
  projectId: string;
  owner: string | null;
  status: string | null;
  user: { roles: string[]; unit: string | null } | null;
  /** a file was added or removed: the dossier re-reads its timeline and money */
  onChange?: () => void;
}) {
  const { t, language } = useI18n();
  const [items, setItems] = useState<Attachment[] | null>(null);
  const [problem, setProblem] = useState<ExplainedProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const rights = attachmentRights(user, owner, status);
  const narrow = !Grid.useBreakpoint().md; // on a phone: the name with its size and time under it

  const explain = useCallback(
    (error: unknown): ExplainedProblem => {
      const p: Problem = error instanceof ApiProblem ? error.problem : { status: 0, title: String(error) };
      const errors = (p.errors ?? []) as { field?: string; message?: string; message_en?: string }[];
      return {
        title: problemTitle(p, t),
        fields: errors.map((e) => ({
          apiField: e.field ?? "file",
          formField: e.field ?? "file",
          message: (language === "zh-CN" ? e.message : (e.message_en ?? e.message)) ?? t("problem.field.invalid"),
        })),
        violations: p.violations ?? [],
        general: p.status === 409 && !errors.length ? [t("attachments.not_draft")] : [],
      };
    },
    [t, language],
  );

  const load = useCallback(() => {
    optional(api.get<Attachment[]>(base(projectId)))
      .then((answer) => setItems(answer ?? []))
      .catch(() => setItems(null));
  }, [projectId]);
  useEffect(load, [load]);

  const keys = useRef(new UploadKeys());
  const upload: UploadProps["customRequest"] = async (options) => {
    setBusy(true);
    setProblem(null);
    const file = options.file as File;
    const key = keys.current.keyFor(file);
    const send = async () => {
      const form = new FormData();
      form.append("file", file as Blob, file.name);
      const response = await fetch(base(projectId), {
        method: "POST",
        body: form,
        headers: { authorization: `Bearer ${session.get()?.token ?? ""}`, accept: "application/json, application/problem+json", "idempotency-key": key },
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) throw new ApiProblem({ ...data, status: response.status });
      return data;
    };
    try {
      // once more with the same key when the answer was lost on the way: stored once either way
      const data = await send().catch((error: unknown) => {
        if (worthRetrying(error)) return send();
        throw error;
      });
      keys.current.stored(file);
      options.onSuccess?.(data);
      load();
      onChange?.();
    } catch (error) {
      setProblem(explain(error));
      options.onError?.(error as Error);
    } finally {
      setBusy(false);
    }
  };

  const open = async (attachment: Attachment, preview: boolean) => {
    setProblem(null);
    // opened before the fetch, so the browser counts it as the click's window (no popup blocker)
    const tab = preview ? window.open("", "_blank") : null;
    try {
      const blob = await fetchFile(projectId, attachment);
      const url = URL.createObjectURL(blob);
      if (tab) {
        tab.location.href = url;
      } else {
        const link = document.createElement("a");
        link.href = url;
        link.download = attachment.name;
        document.body.appendChild(link);
        link.click();
        link.remove();
      }
    } catch (error) {
      tab?.close();
      setProblem(explain(error));
    }
  };

  const remove = async (attachment: Attachment) => {
    setProblem(null);
    try {
      const response = await fetch(`${base(projectId)}/${encodeURIComponent(attachment.id)}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${session.get()?.token ?? ""}` },
      });
      if (!response.ok) throw new ApiProblem({ ...((await response.json().catch(() => ({}))) as Problem), status: response.status });
      load();
      onChange?.();
    } catch (error) {
      setProblem(explain(error));
    }
  };

  if (items === null) return null; // a role intake does not serve, or the project is not intake's
  return (
    <Card
      size="small"
      title={t("attachments.title")}
      data-testid="attachments"
      extra={
        rights.upload ? (
          <Upload accept={ACCEPT} showUploadList={false} customRequest={upload} multiple={false}>
            <Button size="small" type="primary" loading={busy} data-testid="attachment-upload">
              {t("attachments.upload")}
            </Button>
          </Upload>
        ) : null
      }
    >
      <Space direction="vertical" style={{ width: "100%" }}>
        {rights.upload && (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t("attachments.hint")}
          </Typography.Text>
        )}
        {problem && <ProblemAlert explained={problem} formLabels={{ file: t("attachments.file"), "file.name": t("attachments.file_name"), "file.content_type": t("attachments.file_type") }} />}
        <Table<Attachment>
          size="small"
          rowKey="id"
          dataSource={items}
          pagination={false}
          scroll={{ x: true }}
          locale={{ emptyText: t("attachments.empty") }}
          onRow={(row) => ({ "data-attachment": row.id }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            {
              title: t("attachments.name"),
              dataIndex: "name",
              key: "name",
              render: (name: string, row) => (
                <span className="wb-cell-wrap">
                  {name}
                  {narrow && (
                    <Typography.Text type="secondary" style={{ display: "block", fontSize: 12 }}>
                      {sizeText(row.size_bytes)} · {when(row.uploaded_at)}
                    </Typography.Text>
                  )}
                </span>
              ),
            },
            ...(narrow
              ? []
              : [
                  { title: t("attachments.size"), dataIndex: "size_bytes", key: "size", width: 90, render: (bytes: number) => sizeText(bytes) },
                  { title: t("attachments.uploaded_at"), dataIndex: "uploaded_at", key: "at", width: 140, render: (at: string) => when(at) },
                ]),
            {
              title: t("attachments.actions"),
              key: "actions",
              width: narrow ? 80 : 170,
              render: (_, row) => (
                <Space size={4} direction={narrow ? "vertical" : "horizontal"}>
                  {PREVIEWABLE.includes(row.content_type) && (
                    <Button size="small" type="link" onClick={() => open(row, true)} data-testid="attachment-preview">
                      {t("attachments.preview")}
                    </Button>
                  )}
                  <Button size="small" type="link" onClick={() => open(row, false)} data-testid="attachment-download">
                    {t("attachments.download")}
                  </Button>
                  {rights.remove && (
                    <Popconfirm title={t("attachments.delete_confirm", { name: row.name })} okText={t("attachments.delete")} cancelText={t("attachments.cancel")} onConfirm={() => remove(row)}>
                      <Button size="small" type="link" danger data-testid="attachment-delete">
                        {t("attachments.delete")}
                      </Button>
                    </Popconfirm>
                  )}
                </Space>
              ),
            },
          ]}
        />
      </Space>
    </Card>
  );
}
