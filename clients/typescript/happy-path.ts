/*
 * A typed happy path through shifan, compiled under `tsc --strict` against the types that
 * openapi-typescript generates from openapi/openapi.yaml (shifan.d.ts): if the contract
 * changes in a way a front end would notice, this stops compiling (scripts/ts-check.sh).
 * No casts: every request body and every field read is checked against the contract.
 *
 * login → round → platform → application → report → recommendation form → materials (as a
 * browser's FormData) → recommend → review → publicity notice → award → public registry.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./shifan";

type Schemas = components["schemas"];

export async function happyPath(baseUrl: string, province: string, city: string, password: string) {
  const anonymous = createClient<paths>({ baseUrl });

  async function login(username: string): Promise<string> {
    const { data, error } = await anonymous.POST("/v1/auth/token", { body: { username, password } });
    if (error !== undefined) throw new Error(`login: ${error.detail}`);
    return data.access_token;
  }
  const as = (token: string) => createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
  const prov = as(await login(province));
  const shenyang = as(await login(city));

  const round = await prov.POST("/v1/rounds", {
    body: { year: 2026, level: "province", title: "2026年度省级示范平台认定", opens_on: "2026-03-01", closes_on: "2026-12-31" },
  });
  if (round.error !== undefined) throw new Error(round.error.detail);
  const roundId: number = round.data.id;

  const operator: Schemas["NewPlatformOperator"] = { name: "沈阳创新创业服务有限公司", credit_code: "91210100MA0XK3D2TD" };
  const platform = await shenyang.POST("/v1/platforms", {
    body: { name: "沈阳市中小企业创业服务平台", region_code: "210100", functions: ["training", "financing"], operator },
  });
  if (platform.error !== undefined) throw new Error(platform.error.detail);
  const location: string | null = platform.response.headers.get("Location");

  const app = await shenyang.POST("/v1/applications", { body: { round_id: roundId, platform_id: platform.data.id } });
  if (app.error !== undefined) throw new Error(app.error.detail);
  const id = app.data.id;
  const params = { path: { id } };

  const report: Schemas["Report"] = {
    basic: {
      established_on: "2015-03-01", total_assets_cny: 3000000, smes_served_last_year: 150, smes_served_prev_year: 120,
      satisfaction_pct: 92, has_fixed_premises: true, partner_institutions: 5, has_management_rules: true,
      has_development_plan: true, public_service_share_pct: 20, service_staff: 25, qualified_staff: 20,
    },
    functions: {
      training: { has_qualification: true, online_and_offline: true, has_evaluation_mechanism: true, trainee_times_per_year: 2000 },
      financing: null, // null counts as absent
    },
    innovation: "线上线下结合的培训服务模式",
  };
  // the report's own ETag for its If-Match (issue 13)
  await shenyang.PUT("/v1/applications/{id}/report", { params, body: report });
  const readBack = await shenyang.GET("/v1/applications/{id}/report", { params });
  const etag = readBack.response.headers.get("ETag") ?? "*";
  const put = await shenyang.PUT("/v1/applications/{id}/report", { params: { ...params, header: { "If-Match": etag } }, body: report });
  if (put.error !== undefined) throw new Error(put.error.detail);

  await shenyang.PUT("/v1/applications/{id}/recommendation", {
    params, body: { operation_score: 90, performance_score: 88, satisfaction_score: 92, opinion: "同意推荐" },
  });

  // materials as a browser sends them: FormData with a file part
  const kinds: Schemas["MaterialKind"][] = ["application_report", "business_license", "audit_report", "premises_proof",
    "service_evidence", "prior_recognition", "authenticity_declaration"];
  for (const kind of kinds) {
    const form = new FormData();
    form.append("kind", kind);
    form.append("filename", `${kind}.pdf`);
    form.append("file", new Blob(["%PDF-1.4\n%%EOF\n"], { type: "application/pdf" }), `${kind}.pdf`);
    const uploaded = await shenyang.POST("/v1/applications/{id}/materials", {
      params,
      body: { file: "", kind, filename: `${kind}.pdf` },
      bodySerializer: () => form,
    });
    if (uploaded.error !== undefined) throw new Error(uploaded.error.detail);
    const sha: string = uploaded.data.sha256;
    void sha;
  }

  const eligibility = await shenyang.GET("/v1/applications/{id}/eligibility", { params });
  const eligible: boolean | undefined = eligibility.data?.eligible;
  void eligible;
  await shenyang.POST("/v1/applications/{id}/recommend", { params });
  const review: Schemas["Review"] = { decision: "approve", comment: "符合条件" };
  await prov.POST("/v1/applications/{id}/review", { params, body: review });
  const refusal: Schemas["Review"] = { decision: "return", comment: "请补充审计报告" };
  // @ts-expect-error a return without its comment is not a Review (oneOf with a discriminator)
  const incomplete: Schemas["Review"] = { decision: "return" };
  void refusal, incomplete;
  const notice = await prov.POST("/v1/publicity-notices", {
    body: { title: "2026年度省级示范平台公示", start_date: "2026-12-01", application_ids: [id] },
  });
  if (notice.error !== undefined) throw new Error(notice.error.detail);
  // the notice's buttons, and an objection as the public files it (objector_name, as read back)
  const noticeId = notice.data.id;
  const shown = await anonymous.GET("/v1/public/publicity-notices/{id}", { params: { path: { id: noticeId } } });
  const buttons: ("object" | "record_objection")[] = shown.data?.allowed_actions ?? [];
  const objection: Schemas["NewObjection"] = { application_id: id, objector_name: "李四", contact: "lisi@example.com", reason: "服务数据不实" };
  void buttons, objection;
  const award = await prov.POST("/v1/applications/{id}/award", { params });
  const certificate: string | undefined = award.data?.certificate_no;
  void certificate;

  // the public registry and its change feed, with no token, from any origin
  const registry = await anonymous.GET("/v1/public/platforms", { params: { query: { region_code: "210100", limit: 20 } } });
  const names: string[] = (registry.data?.items ?? []).map((p) => p.name);
  // ?count=true adds total; titles up for renewal by the year their validity ends
  const counted = await prov.GET("/v1/awards", { params: { query: { valid_until_year: 2029, count: true } } });
  const total: number | undefined = counted.data?.total;
  void total;
  const changes = await anonymous.GET("/v1/public/changes", { params: { query: { after: 0 } } });
  const next: number | undefined = changes.data?.next_cursor;
  return { location, names, next };
}
