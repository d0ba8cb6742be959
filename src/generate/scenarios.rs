//! The sample scenarios. Each is internally consistent: a decision's recorded inputs are the values
//! the system knew when it decided, late-arriving facts are recorded after the decisions they would
//! have changed, corrections point at real events, and stream versions have no gaps.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::formats::*;
use super::{GenEvent, DAY};
use crate::error::Result;
use crate::model::parse_instant;

const HOUR: i64 = 3_600_000_000;
const MINUTE: i64 = 60_000_000;

fn t(s: &str) -> i64 {
    parse_instant(s).expect("valid literal time")
}

/// Hands out per-stream versions and ids.
struct Streams {
    versions: HashMap<String, i64>,
    ids: u64,
    prefix: &'static str,
}

impl Streams {
    fn new(prefix: &'static str) -> Self {
        Streams {
            versions: HashMap::new(),
            ids: 0,
            prefix,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn event(
        &mut self,
        stream: &str,
        stype: &str,
        etype: &str,
        occurred: i64,
        recorded: i64,
        actor: &str,
        payload: serde_json::Value,
        versioned: bool,
    ) -> GenEvent {
        self.ids += 1;
        let version = if versioned {
            let v = self.versions.entry(stream.to_string()).or_insert(0);
            *v += 1;
            Some(*v)
        } else {
            None
        };
        GenEvent {
            event_id: format!("{}-{:06}", self.prefix, self.ids),
            stream_id: stream.into(),
            stream_type: stype.into(),
            stream_version: version,
            event_type: etype.into(),
            occurred_at: occurred,
            recorded_at: recorded,
            actor: actor.into(),
            reason: None,
            causation_id: None,
            correlation_id: None,
            corrects: None,
            payload,
        }
    }
}

fn by_time(events: &mut [GenEvent]) {
    events.sort_by(|a, b| (a.recorded_at, &a.event_id).cmp(&(b.recorded_at, &b.event_id)));
}

/// Re-numbers stream versions in recorded order (the order an event store appends in).
fn renumber(events: &mut [GenEvent]) {
    by_time(events);
    let mut v: HashMap<String, i64> = HashMap::new();
    for e in events.iter_mut().filter(|e| e.stream_version.is_some()) {
        let n = v.entry(e.stream_id.clone()).or_insert(0);
        *n += 1;
        e.stream_version = Some(*n);
    }
}

/// Lending: applicants, bureau scores (some late), decisions by underwriter v2.3.1 then v2.4.0,
/// human overrides as corrections, outcomes weeks later over Kafka, and one GDPR erasure.
pub fn lending(out: &Path) -> Result<Vec<PathBuf>> {
    let dir = out.join("lending");
    std::fs::create_dir_all(&dir)?;
    let mut rng = ChaCha8Rng::seed_from_u64(20_240_315);
    let mut s = Streams::new("len");
    let mut main = Vec::new();
    let mut bureau = Vec::new();
    let mut outcomes = Vec::new();
    let start = t("2024-01-02T08:00:00Z");
    let switch = t("2024-03-15T06:00:00Z");
    let broker_channel = t("2024-04-20T00:00:00Z");
    let deploy = |s: &mut Streams,
                  at: i64,
                  version: &str,
                  cutoff: &str,
                  auc: f64,
                  validated: &str| {
        let mut e = s.event(
            "model-underwriter",
            "Model",
            "ModelDeployed",
            at,
            at,
            "human/mlops-chen",
            json!({"model": "underwriter", "model_version": version, "training_cutoff": cutoff,
                   "metrics": {"auc": auc, "ks": auc - 0.35, "approval_rate_holdout": 0.58},
                   "features": ["credit_score", "annual_income", "debt_to_income", "loan_amount", "term_months"],
                   "feature_set_hash": format!("fs-{}", version.replace('.', "")),
                   "approval_status": "Approved", "approved_by": "model-risk-committee",
                   "certifications": [format!("SR 11-7 independent validation {validated}")]}),
            true,
        );
        e.reason = Some(format!("Scheduled release {version}"));
        e
    };
    main.push(deploy(
        &mut s,
        t("2024-01-01T00:00:00Z"),
        "v2.3.1",
        "2023-10-31",
        0.781,
        "2023-12-08",
    ));
    main.push(deploy(
        &mut s,
        switch,
        "v2.4.0",
        "2024-02-15",
        0.804,
        "2024-03-11",
    ));
    let cities = [
        "Leeds", "Bristol", "Glasgow", "Cardiff", "Belfast", "Norwich", "York", "Derby",
    ];
    let erased = 17;
    for i in 0..240 {
        let id = format!("applicant-{:04}", i + 1);
        let t0 = start + rng.random_range(0..150 * DAY);
        let income: i64 = rng.random_range(18..140) * 1000;
        // A planted data shift: applicants who arrive through the broker channel opened on
        // 2024-04-20 earn less (drift between two windows of v2.4.0 must find it).
        let income = if t0 >= broker_channel {
            income * 6 / 10 / 1000 * 1000
        } else {
            income
        };
        main.push(s.event(&id, "Applicant", "ApplicantRegistered", t0, t0 + rng.random_range(1..30) * 1_000_000, "system/onboarding",
            json!({"name": format!("Applicant {}", i + 1), "city": cities[i % cities.len()], "employment": if rng.random_bool(0.8) {"employed"} else {"self-employed"}}), true));
        let t_inc = t0 + rng.random_range(2 * HOUR..2 * DAY);
        main.push(s.event(
            &id,
            "Applicant",
            "IncomeVerified",
            t_inc,
            t_inc + rng.random_range(1..60) * 1_000_000,
            "system/payroll-api",
            json!({"annual_income": income, "verified": true}),
            true,
        ));
        // Bureau score the system knew before deciding.
        let score0: i64 = rng.random_range(520..820);
        let t_b = t0 + rng.random_range(HOUR..DAY);
        let mut b = s.event(&id, "Applicant", "CreditScoreUpdated", t_b, t_b + rng.random_range(1..15) * MINUTE, "system/bureau",
            json!({"credit_score": score0, "bureau": "experian", "report_id": format!("rpt-{}", 10_000 + i)}), false);
        b.stream_version = None;
        bureau.push(b);
        let t_app = t_inc.max(t_b) + rng.random_range(HOUR..3 * DAY);
        let amount: i64 = rng.random_range(2..40) * 500;
        let term = [12, 24, 36, 48, 60][rng.random_range(0..5)];
        let app = s.event(&id, "Applicant", "LoanApplicationSubmitted", t_app, t_app + 2_000_000, "human/applicant",
            json!({"application_id": format!("app-{:04}", i + 1), "loan_amount": amount, "term_months": term}), true);
        let app_id = app.event_id.clone();
        main.push(app);
        let t_dec = t_app + rng.random_range(MINUTE..45 * MINUTE);
        // Feature-store lag: payroll re-verified the income before the decision, but the model was
        // scored with the cached figure (a stale input for `explain` to find). Its id is outside the
        // scenario's sequence so every other event keeps its id.
        if i % 11 == 7 {
            let t_re = t_app + (t_dec - t_app) / 2;
            let mut re = s.event(
                &id,
                "Applicant",
                "IncomeVerified",
                t_re,
                t_re + 1_000_000,
                "system/payroll-api",
                json!({"annual_income": income + 6_000, "verified": true}),
                true,
            );
            s.ids -= 1;
            re.event_id = format!("len-r{:05}", i + 1);
            re.reason = Some("Payroll re-check after the application".into());
            main.push(re);
        }
        // A late bureau correction: it happened before the decision, but the system learned it after.
        let late = i % 9 == 4;
        if late {
            let t_true = t_app - rng.random_range(HOUR..12 * HOUR);
            let mut b = s.event(&id, "Applicant", "CreditScoreUpdated", t_true, t_dec + rng.random_range(3 * DAY..12 * DAY), "system/bureau",
                json!({"credit_score": (score0 - rng.random_range(60..140)).max(300), "bureau": "experian", "report_id": format!("rpt-{}-late", 10_000 + i),
                       "note": "missed payment reported by lender after batch cutoff"}), false);
            b.reason = Some("Late bureau batch".into());
            bureau.push(b);
        }
        let version = if t_dec < switch { "v2.3.1" } else { "v2.4.0" };
        let dti = ((amount as f64 / term as f64) * 12.0 / income as f64 * 100.0).round() / 100.0;
        let (score, label, confidence) = super::lending_score(score0 as f64, dti, version);
        let mut d = s.event(&id, "Applicant", "LoanDecisionMade", t_dec, t_dec + 300_000, "ai/underwriter",
            json!({"decision_id": format!("dec-{:04}", i + 1), "model": "underwriter", "model_version": version,
                   "feature_set_hash": format!("fs-{}", version.replace('.', "")),
                   "inputs": {"credit_score": score0, "annual_income": income, "debt_to_income": dti, "loan_amount": amount, "term_months": term},
                   "output": {"label": label, "score": score, "confidence": confidence,
                              "reasoning": if label == "approve" {"score above threshold 0.55"} else {"score below threshold 0.55"}}}), true);
        d.causation_id = Some(app_id);
        d.correlation_id = Some(format!("app-{:04}", i + 1));
        let dec_id = d.event_id.clone();
        main.push(d);
        let mut final_label = label;
        if label == "decline" && i % 5 == 0 {
            let t_o = t_dec + rng.random_range(DAY..3 * DAY);
            let mut o = s.event(
                &id,
                "Applicant",
                "DecisionOverridden",
                t_o,
                t_o + 10_000_000,
                "human/jones",
                json!({"decision_id": format!("dec-{:04}", i + 1), "output": {"label": "approve"}}),
                true,
            );
            o.corrects = Some(dec_id);
            o.reason = Some("Manual review: second income source verified by phone".into());
            main.push(o);
            final_label = "approve";
        }
        if final_label == "approve" {
            let due = t_dec + rng.random_range(30..75) * DAY;
            let defaulted = score0 < 600 && rng.random_bool(0.5) || rng.random_bool(0.06);
            let etype = if defaulted {
                "LoanDefaulted"
            } else {
                "LoanRepaid"
            };
            let mut o = s.event(&id, "Applicant", etype, due, due + rng.random_range(14..40) * DAY, "system/servicing",
                json!({"application_id": format!("app-{:04}", i + 1), "days_past_due": if defaulted { rng.random_range(90..120) } else { 0 }}), false);
            o.correlation_id = Some(format!("app-{:04}", i + 1));
            outcomes.push(o);
        }
        if i == erased {
            let t_e = t_dec + 20 * DAY;
            let mut e = s.event(
                &id,
                "Applicant",
                "ApplicantErased",
                t_e,
                t_e,
                "human/dpo-okafor",
                json!({"erased_fields": ["name", "city"]}),
                true,
            );
            e.reason = Some("GDPR Art. 17 erasure request #DSR-2291".into());
            main.push(e);
        }
    }
    by_time(&mut main);
    by_time(&mut bureau);
    outcomes.sort_by_key(|e| e.recorded_at);
    let files = vec![
        dir.join("applications.jsonl"),
        dir.join("bureau-updates.cloudevents.json"),
        dir.join("outcomes.kcat.jsonl"),
    ];
    write_jsonl(&files[0], &main)?;
    write_cloudevents_batch(&files[1], &bureau, "https://bureau.example/experian")?;
    write_kcat(&files[2], &outcomes, "loan-outcomes")?;
    Ok(files)
}

/// Hiring: candidates in Marten, rankings in Axon, a ranker upgrade mid-period, resumes updated after ranking.
pub fn hiring(out: &Path) -> Result<Vec<PathBuf>> {
    let dir = out.join("hiring");
    std::fs::create_dir_all(&dir)?;
    let mut rng = ChaCha8Rng::seed_from_u64(1_900);
    let mut s = Streams::new("hir");
    let mut candidates = Vec::new();
    let mut rankings = Vec::new();
    let start = t("2024-04-01T09:00:00Z");
    let upgrade = t("2024-04-20T00:00:00Z");
    rankings.push(s.event("model-ranker", "Model", "ModelDeployed", start - DAY, start - DAY, "human/mlops-chen",
        json!({"model": "ranker", "model_version": "1.8.0", "training_cutoff": "2024-01-31", "metrics": {"ndcg@10": 0.71}}), true));
    rankings.push(s.event("model-ranker", "Model", "ModelDeployed", upgrade, upgrade, "human/mlops-chen",
        json!({"model": "ranker", "model_version": "1.9.0", "training_cutoff": "2024-03-31", "metrics": {"ndcg@10": 0.74}}), true));
    let skills = [
        "rust",
        "python",
        "sql",
        "kubernetes",
        "react",
        "statistics",
        "go",
        "terraform",
    ];
    for i in 0..90 {
        let id = format!("candidate-{:03}", i + 1);
        let t0 = start + rng.random_range(0..35 * DAY);
        let years = rng.random_range(0..15);
        let mine: Vec<&str> = skills
            .iter()
            .filter(|_| rng.random_bool(0.4))
            .copied()
            .collect();
        let up = s.event(&id, "Candidate", "ResumeUploaded", t0, t0, "human/candidate",
            json!({"resume_id": format!("res-{:03}-1", i + 1), "skills": mine, "years_experience": years, "education": (["BSc", "MSc", "PhD", "none"][i % 4])}), true);
        let up_id = up.event_id.clone();
        candidates.push(up);
        let t1 = t0 + rng.random_range(MINUTE..HOUR);
        let mut en = s.event(&id, "Candidate", "EnrichmentCompleted", t1, t1, "system/enricher",
            json!({"current_title": (["Engineer", "Senior Engineer", "Analyst", "Manager"][rng.random_range(0..4)]), "inferred_seniority": if years > 7 {"senior"} else {"mid"}}), true);
        en.causation_id = Some(up_id);
        candidates.push(en);
        let req = format!("req-{}", 100 + i % 6);
        let t2 = t1 + rng.random_range(HOUR..2 * DAY);
        let version = if t2 < upgrade { "1.8.0" } else { "1.9.0" };
        let rid = format!("ranking-{req}-{}", i + 1);
        let ctx: Vec<String> = (0..3).map(|k| format!("jd-{req}-chunk-{k}")).collect();
        let mut rq = s.event(&rid, "Ranking", "RankingRequested", t2, t2, "system/ats",
            json!({"requisition_id": req, "candidate_id": id, "model_version": version, "feature_set_hash": format!("fsh-{}", version.replace('.', "")), "retrieved_context_ids": ctx}), true);
        rq.correlation_id = Some(req.clone());
        let rq_id = rq.event_id.clone();
        rankings.push(rq);
        let score = ((years as f64 / 15.0) * 0.5
            + mine.len() as f64 / 8.0 * 0.5
            + rng.random_range(-0.05..0.05))
        .clamp(0.0, 1.0);
        let t3 = t2 + rng.random_range(1_000_000..30_000_000);
        let mut rc = s.event(&rid, "Ranking", "RankingComputed", t3, t3, "ai/ranker",
            json!({"candidate_id": id, "model": "ranker", "model_version": version, "score": (score * 1000.0).round() / 1000.0,
                   "top_features": [{"feature": "years_experience", "weight": 0.5}, {"feature": "skill_overlap", "weight": 0.5}]}), true);
        rc.causation_id = Some(rq_id);
        rc.correlation_id = Some(req);
        rankings.push(rc);
        if i % 4 == 1 {
            let t4 = t3 + rng.random_range(DAY..10 * DAY);
            candidates.push(s.event(&id, "Candidate", "ResumeUpdated", t4, t4, "human/candidate",
                json!({"resume_id": format!("res-{:03}-2", i + 1), "years_experience": years + 1, "skills_added": ["leadership"]}), true));
        }
    }
    renumber(&mut candidates);
    renumber(&mut rankings);
    let files = vec![
        dir.join("mt_events.csv"),
        dir.join("domain_event_entry.axon.csv"),
        // The same Marten table as an administrator's pg_dump (with its stream table).
        dir.join("mt_events.pg_dump.sql"),
    ];
    write_marten_csv(&files[0], &candidates, "Hiring.Events")?;
    write_axon_csv(&files[1], &rankings, "com.acme.hiring.ranking")?;
    super::pgdump::write_marten_dump(&files[2], &candidates, "Hiring.Events")?;
    Ok(files)
}

/// Clinical: prescriptions with reasons, allergies, AI triage suggestions confirmed or corrected by nurses.
pub fn clinical(out: &Path) -> Result<Vec<PathBuf>> {
    let dir = out.join("clinical");
    std::fs::create_dir_all(&dir)?;
    let mut rng = ChaCha8Rng::seed_from_u64(112);
    let mut s = Streams::new("cli");
    let mut ev = Vec::new();
    let start = t("2024-02-01T00:00:00Z");
    let drugs = [
        "amoxicillin",
        "ibuprofen",
        "metformin",
        "lisinopril",
        "atorvastatin",
        "warfarin",
    ];
    for i in 0..120 {
        let id = format!("patient-{:04}", 3000 + i);
        let t0 = start + rng.random_range(0..60 * DAY);
        ev.push(s.event(&id, "Patient", "PatientAdmitted", t0, t0 + 30_000_000, "human/reception",
            json!({"ward": (["A&E", "Cardiology", "General"][i % 3]), "age": rng.random_range(18..95)}), true));
        let allergy = rng
            .random_bool(0.25)
            .then(|| ["penicillin", "nsaids"][rng.random_range(0..2)]);
        if let Some(a) = allergy {
            let ta = t0 + rng.random_range(10 * MINUTE..2 * HOUR);
            ev.push(s.event(
                &id,
                "Patient",
                "AllergyRecorded",
                ta,
                ta + 60_000_000,
                "human/nurse-patel",
                json!({"allergen": a, "severity": "moderate"}),
                true,
            ));
        }
        let tt = t0 + rng.random_range(5 * MINUTE..30 * MINUTE);
        let acuity = rng.random_range(1..6);
        let tri = s.event(&id, "Patient", "TriageSuggested", tt, tt + 2_000_000, "ai/triage-net",
            json!({"model": "triage-net", "model_version": "3.2.0", "inputs": {"heart_rate": rng.random_range(55..140), "spo2": rng.random_range(88..100), "complaint": (["chest pain", "fever", "fall", "shortness of breath"][i % 4])},
                   "output": {"acuity": acuity, "confidence": (rng.random_range(0.55..0.99) * 100.0f64).round() / 100.0, "reasoning": "vitals and presenting complaint"}}), true);
        let tri_id = tri.event_id.clone();
        ev.push(tri);
        let tc = tt + rng.random_range(5 * MINUTE..40 * MINUTE);
        if i % 7 == 3 {
            let mut c = s.event(
                &id,
                "Patient",
                "TriageCorrected",
                tc,
                tc + 1_000_000,
                "human/nurse-patel",
                json!({"output": {"acuity": (acuity - 1).max(1)}}),
                true,
            );
            c.corrects = Some(tri_id);
            c.reason = Some("Patient deteriorating: escalated on clinical judgement".into());
            ev.push(c);
        } else {
            ev.push(s.event(
                &id,
                "Patient",
                "TriageConfirmed",
                tc,
                tc + 1_000_000,
                "human/nurse-patel",
                json!({"acuity": acuity}),
                true,
            ));
        }
        let tp = tc + rng.random_range(HOUR..8 * HOUR);
        let drug = drugs[rng.random_range(0..drugs.len())];
        let mut p = s.event(&id, "Patient", "PrescriptionAdded", tp, tp + 120_000_000, "human/dr-osei", json!({"drug": drug, "dose_mg": ([250, 500, 10, 20][i % 4]), "frequency": "twice daily"}), true);
        p.reason = Some("Initial treatment".into());
        ev.push(p);
        if rng.random_bool(0.3) {
            let tc2 = tp + rng.random_range(DAY..5 * DAY);
            let mut c = s.event(
                &id,
                "Patient",
                "PrescriptionChanged",
                tc2,
                tc2 + 60_000_000,
                "human/dr-osei",
                json!({"drug": drug, "dose_mg": 100, "frequency": "once daily"}),
                true,
            );
            c.reason = Some(
                if allergy.is_some() {
                    "Reaction consistent with recorded allergy"
                } else {
                    "Dose reduced after renal function results"
                }
                .into(),
            );
            ev.push(c);
        }
    }
    renumber(&mut ev);
    let file = dir.join("ward-events.parquet");
    write_parquet(&file, &ev)?;
    Ok(vec![file])
}

/// A RAG assistant: documents ingested and embedded, retrievals and answers as the assistant's own
/// events (zstd JSON lines), and the same answers traced with OpenTelemetry GenAI conventions (OTLP JSON).
pub fn rag(out: &Path) -> Result<Vec<PathBuf>> {
    let dir = out.join("rag");
    std::fs::create_dir_all(&dir)?;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut s = Streams::new("rag");
    let mut docs = Vec::new();
    let start = t("2024-05-01T00:00:00Z");
    let titles = [
        "Refund policy",
        "Travel expenses",
        "Parental leave",
        "Security incident response",
        "Data retention",
        "Remote work",
    ];
    for (d, title) in titles.iter().enumerate() {
        let id = format!("doc-{}", 100 + d);
        let t0 = start + d as i64 * DAY;
        docs.push(s.event(
            &id,
            "Document",
            "DocumentSubmitted",
            t0,
            t0,
            "human/policy-team",
            json!({"title": title, "version": 1, "owner": "hr"}),
            true,
        ));
        docs.push(s.event(
            &id,
            "Document",
            "DocumentProcessed",
            t0 + MINUTE,
            t0 + MINUTE,
            "system/parser",
            json!({"pages": rng.random_range(2..20), "chunks": 4}),
            true,
        ));
        for c in 0..4 {
            docs.push(s.event(&id, "Document", "ChunkEmbedded", t0 + 2 * MINUTE + c, t0 + 2 * MINUTE + c, "system/embedder",
                json!({"chunk_id": format!("{id}-c{c}"), "embedding_model": "text-embedding-3-small", "dims": 1536}), true));
        }
    }
    // The refund policy changes mid-period: answers before and after cite different versions.
    let tv = start + 20 * DAY;
    docs.push(s.event("doc-100", "Document", "DocumentSubmitted", tv, tv, "human/policy-team", json!({"title": "Refund policy", "version": 2, "owner": "hr", "change": "refund window 30 -> 14 days"}), true));
    let mut spans = Vec::new();
    let questions = [
        "How long is the refund window?",
        "Can I expense a taxi?",
        "How many weeks of parental leave?",
        "Who do I call about a phishing email?",
    ];
    for q in 0..40 {
        let trace = format!("{:032x}", 0xabc000 + q);
        let conv = format!("conv-{:03}", q + 1);
        let t0 = start + 3 * DAY + q as i64 * 12 * HOUR + rng.random_range(0..HOUR);
        let question = questions[q as usize % questions.len()];
        let doc = format!("doc-{}", 100 + q as usize % 4);
        let retrieved: Vec<serde_json::Value> =
            (0..3).map(|c| json!(format!("{doc}-c{c}"))).collect();
        let root = format!("{:016x}", 0x1000 + q * 4);
        let ret = format!("{:016x}", 0x1001 + q * 4);
        let chat = format!("{:016x}", 0x1002 + q * 4);
        spans.push(Span {
            trace_id: trace.clone(),
            span_id: root.clone(),
            parent: None,
            name: "POST /ask".into(),
            start: t0,
            end: t0 + 2_400_000,
            attributes: vec![
                ("http.route".into(), json!("/ask")),
                ("app.conversation".into(), json!(conv)),
            ],
        });
        spans.push(Span {
            trace_id: trace.clone(),
            span_id: ret,
            parent: Some(root.clone()),
            name: "RetrievalPerformed".into(),
            start: t0 + 10_000,
            end: t0 + 180_000,
            attributes: vec![
                ("retrieval.query".into(), json!(question)),
                ("retrieval.document_ids".into(), json!(retrieved.clone())),
                ("retrieval.top_k".into(), json!(3)),
            ],
        });
        let answer = match q as usize % 4 {
            0 if t0 > tv => "Refunds are accepted within 14 days of purchase.",
            0 => "Refunds are accepted within 30 days of purchase.",
            1 => "Yes, taxis are reimbursable when public transport is unavailable.",
            2 => "Primary carers receive 26 weeks of paid parental leave.",
            _ => "Report it to security@ and do not click any links.",
        };
        let input_tokens = rng.random_range(600..1400);
        let output_tokens = rng.random_range(20..90);
        // The assistant's own event store records the same answer the trace shows.
        let system_prompt = "Answer only from the retrieved policy excerpts. Cite the document id.";
        let mut r = s.event(&conv, "Conversation", "RetrievalPerformed", t0 + 10_000, t0 + 180_000, "system/retriever",
            json!({"query": question, "retrieved_context_ids": retrieved.clone(), "top_k": 3, "index_version": if t0 > tv {"idx-2"} else {"idx-1"}}), true);
        r.correlation_id = Some(trace.clone());
        let retrieval_id = r.event_id.clone();
        docs.push(r);
        let mut a = s.event(&conv, "Conversation", "AnswerGenerated", t0 + 200_000, t0 + 2_300_000, "ai/policy-assistant",
            json!({"decision_id": format!("ans-{:03}", q + 1), "model": "gpt-4o-mini", "model_version": "gpt-4o-mini-2024-07-18",
                   "system_prompt": system_prompt, "prompt": question,
                   "parameters": {"temperature": 0.2, "max_tokens": 512, "seed": 42},
                   "retrieved_context_ids": retrieved.clone(), "response": answer,
                   "tokens": {"input": input_tokens, "output": output_tokens}, "finish_reason": "stop",
                   "response_id": format!("chatcmpl-{:06}", q)}), true);
        a.causation_id = Some(retrieval_id);
        a.correlation_id = Some(trace.clone());
        docs.push(a);
        spans.push(Span { trace_id: trace, span_id: chat, parent: Some(root), name: "chat gpt-4o-mini".into(), start: t0 + 200_000, end: t0 + 2_300_000,
            attributes: vec![
                ("gen_ai.operation.name".into(), json!("chat")),
                ("gen_ai.provider.name".into(), json!("openai")),
                ("gen_ai.request.model".into(), json!("gpt-4o-mini")),
                ("gen_ai.response.model".into(), json!("gpt-4o-mini-2024-07-18")),
                ("gen_ai.request.temperature".into(), json!(0.2)),
                ("gen_ai.request.max_tokens".into(), json!(512)),
                ("gen_ai.request.seed".into(), json!(42)),
                ("gen_ai.conversation.id".into(), json!(conv)),
                ("gen_ai.system_instructions".into(), json!(json!([{"type": "text", "content": system_prompt}]).to_string())),
                ("gen_ai.input.messages".into(), json!(json!([{"role": "user", "parts": [{"type": "text", "content": question}]}]).to_string())),
                ("gen_ai.output.messages".into(), json!(json!([{"role": "assistant", "parts": [{"type": "text", "content": answer}], "finish_reason": "stop"}]).to_string())),
                ("gen_ai.response.finish_reasons".into(), json!(["stop"])),
                ("gen_ai.response.id".into(), json!(format!("chatcmpl-{:06}", q))),
                ("gen_ai.usage.input_tokens".into(), json!(input_tokens)),
                ("gen_ai.usage.output_tokens".into(), json!(output_tokens)),
                ("app.retrieved_context_ids".into(), json!(retrieved)),
            ] });
    }
    by_time(&mut docs);
    let files = vec![
        dir.join("assistant-events.jsonl.zst"),
        dir.join("assistant-traces.otlp.json"),
    ];
    write_jsonl(&files[0], &docs)?;
    write_otlp(&files[1], "policy-assistant", &spans)?;
    Ok(files)
}

/// One file with a bad row of every kind Casefile quarantines, and events that raise every finding.
pub fn bad_rows(out: &Path) -> Result<Vec<PathBuf>> {
    let dir = out.join("bad");
    std::fs::create_dir_all(&dir)?;
    let ok = |id: &str, stream: &str, version: i64, occurred: &str, recorded: &str, extra: &str| {
        format!(
            r#"{{"event_id":"{id}","stream_id":"{stream}","stream_type":"Account","stream_version":{version},"event_type":"BalanceChanged","occurred_at":"{occurred}","recorded_at":"{recorded}","payload":{{"delta":10}}{extra}}}"#
        )
    };
    let rows: Vec<Vec<u8>> = vec![
        ok("bad-001", "account-1", 1, "2024-06-01T10:00:00Z", "2024-06-01T10:00:01Z", "").into_bytes(),
        // not JSON
        br#"{"event_id":"bad-002","stream_id":"account-1","event_type":"BalanceChanged","occurred_at":"2024-06-01T10:05:00Z""#.to_vec(),
        // not an object
        br#"["event_id","bad-003"]"#.to_vec(),
        // no stream id
        br#"{"event_id":"bad-004","event_type":"BalanceChanged","occurred_at":"2024-06-01T10:06:00Z","payload":{}}"#.to_vec(),
        // no event type
        br#"{"event_id":"bad-005","stream_id":"account-1","occurred_at":"2024-06-01T10:07:00Z","payload":{}}"#.to_vec(),
        // no timestamp
        br#"{"event_id":"bad-006","stream_id":"account-1","event_type":"BalanceChanged","payload":{}}"#.to_vec(),
        // unparseable timestamp
        br#"{"event_id":"bad-007","stream_id":"account-1","event_type":"BalanceChanged","occurred_at":"last tuesday","payload":{}}"#.to_vec(),
        // unparseable recorded time
        br#"{"event_id":"bad-008","stream_id":"account-1","event_type":"BalanceChanged","occurred_at":"2024-06-01T10:08:00Z","recorded_at":"2024-13-45T99:00:00Z","payload":{}}"#.to_vec(),
        // not UTF-8
        b"{\"event_id\":\"bad-009\",\"stream_id\":\"account-1\",\"event_type\":\"Balance\xff\xfeChanged\",\"occurred_at\":\"2024-06-01T10:09:00Z\"}".to_vec(),
        // exact duplicate of bad-001: counted, not loaded twice
        ok("bad-001", "account-1", 1, "2024-06-01T10:00:00Z", "2024-06-01T10:00:01Z", "").into_bytes(),
        // same id as bad-001, different body: quarantined and a finding
        br#"{"event_id":"bad-001","stream_id":"account-1","stream_type":"Account","stream_version":1,"event_type":"BalanceChanged","occurred_at":"2024-06-01T10:00:00Z","recorded_at":"2024-06-01T10:00:01Z","payload":{"delta":9999}}"#.to_vec(),
        // stream_version not a number
        br#"{"event_id":"bad-012","stream_id":"account-1","event_type":"BalanceChanged","stream_version":"two","occurred_at":"2024-06-01T10:10:00Z","payload":{}}"#.to_vec(),
        // version 2, then a gap to 5
        ok("bad-013", "account-1", 2, "2024-06-01T11:00:00Z", "2024-06-01T11:00:01Z", "").into_bytes(),
        ok("bad-014", "account-1", 5, "2024-06-01T12:00:00Z", "2024-06-01T12:00:01Z", "").into_bytes(),
        // version 5 used twice
        ok("bad-015", "account-1", 5, "2024-06-01T12:30:00Z", "2024-06-01T12:30:01Z", "").into_bytes(),
        // recorded time going backwards in version order
        ok("bad-016", "account-1", 6, "2024-06-01T13:00:00Z", "2024-06-01T09:00:00Z", "").into_bytes(),
        // recorded before it occurred (and backwards again)
        ok("bad-017", "account-2", 1, "2024-06-02T10:00:00Z", "2024-06-02T09:00:00Z", "").into_bytes(),
        // dangling causation
        ok("bad-018", "account-2", 2, "2024-06-02T11:00:00Z", "2024-06-02T11:00:01Z", r#","causation_id":"evt-that-never-was""#).into_bytes(),
        // corrects an unknown event
        ok("bad-019", "account-2", 3, "2024-06-02T12:00:00Z", "2024-06-02T12:00:01Z", r#","corrects":"evt-unknown""#).into_bytes(),
        // implausible: before 1990
        ok("bad-020", "account-3", 1, "1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "").into_bytes(),
        // implausible: in the future
        ok("bad-021", "account-3", 2, "2199-01-01T00:00:00Z", "2199-01-01T00:00:00Z", "").into_bytes(),
        // naive time (no offset): loaded as UTC and flagged; epoch seconds, milliseconds, nanoseconds
        br#"{"event_id":"bad-022","stream_id":"account-4","event_type":"BalanceChanged","occurred_at":"2024-06-03 08:00:00","payload":{}}"#.to_vec(),
        br#"{"event_id":"bad-023","stream_id":"account-4","event_type":"BalanceChanged","occurred_at":1717401600,"payload":{}}"#.to_vec(),
        br#"{"event_id":"bad-024","stream_id":"account-4","event_type":"BalanceChanged","occurred_at":1717401600123,"payload":{}}"#.to_vec(),
        br#"{"event_id":"bad-025","stream_id":"account-4","event_type":"BalanceChanged","occurred_at":"1717401600123456789","payload":{}}"#.to_vec(),
        b"".to_vec(),
        br#"{"event_id":"bad-027","stream_id":"account-4","event_type":"BalanceChanged","occurred_at":"2024-06-03T09:00:00+02:00","payload":{}}"#.to_vec(),
    ];
    let file = dir.join("bad-rows.jsonl");
    write_raw_lines(&file, &rows)?;
    Ok(vec![file])
}

/// A small ledger whose histories are not all whole, and one of whose customers lives in Tokyo:
/// an account whose history in the log begins with a compaction summary (the events it replaced
/// are gone), one that begins at version 5 (versions 1 to 4 past the topic's retention), one whose
/// snapshot comes after its events (whole: no gap), and the Tokyo customer's account, whose times
/// the source writes in local time with the +09:00 offset (stored in UTC, read in Asia/Tokyo in the
/// app's display zone).
pub fn ledger(out: &Path) -> Result<Vec<PathBuf>> {
    let dir = out.join("ledger");
    std::fs::create_dir_all(&dir)?;
    let line = |id: &str,
                stream: &str,
                version: i64,
                kind: &str,
                occurred: &str,
                recorded: &str,
                payload: serde_json::Value| {
        json!({
            "event_id": id, "stream_id": stream, "stream_type": "Account", "stream_version": version,
            "event_type": kind, "occurred_at": occurred, "recorded_at": recorded,
            "actor": "system/ledger", "payload": payload,
        })
        .to_string()
        .into_bytes()
    };
    let rows = vec![
        // The compacted account: a summary of 1,412 events up to 2024-02-29, then its events.
        line(
            "led-001",
            "acct-1001",
            1413,
            "AccountCompacted",
            "2024-03-01T00:00:00Z",
            "2024-03-01T00:00:05Z",
            json!({"balance": 18250.0, "currency": "EUR", "replaced_events": 1412,
                   "replaced_range": {"from_version": 1, "to_version": 1412, "from": "2019-04-02T09:14:00Z", "to": "2024-02-29T23:59:59Z"}}),
        ),
        line(
            "led-002",
            "acct-1001",
            1414,
            "Deposited",
            "2024-03-04T10:12:00Z",
            "2024-03-04T10:12:01Z",
            json!({"amount": 1200.0}),
        ),
        line(
            "led-003",
            "acct-1001",
            1415,
            "Withdrawn",
            "2024-03-09T16:40:00Z",
            "2024-03-09T16:40:02Z",
            json!({"amount": 300.0}),
        ),
        // Versions 1 to 4 past retention: the case holds the account from version 5.
        line(
            "led-004",
            "acct-1002",
            5,
            "Deposited",
            "2024-03-02T08:00:00Z",
            "2024-03-02T08:00:01Z",
            json!({"amount": 50.0}),
        ),
        line(
            "led-005",
            "acct-1002",
            6,
            "Withdrawn",
            "2024-03-05T12:30:00Z",
            "2024-03-05T12:30:01Z",
            json!({"amount": 20.0}),
        ),
        // Whole: opened, moved, then a snapshot of what came before it.
        line(
            "led-006",
            "acct-1003",
            1,
            "AccountOpened",
            "2024-03-01T09:00:00Z",
            "2024-03-01T09:00:01Z",
            json!({"currency": "EUR", "owner": "customer-3"}),
        ),
        line(
            "led-007",
            "acct-1003",
            2,
            "Deposited",
            "2024-03-02T09:30:00Z",
            "2024-03-02T09:30:01Z",
            json!({"amount": 500.0}),
        ),
        line(
            "led-008",
            "acct-1003",
            3,
            "AccountSnapshotted",
            "2024-03-10T00:00:00Z",
            "2024-03-10T00:00:01Z",
            json!({"balance": 500.0, "currency": "EUR"}),
        ),
        // The Tokyo customer: times written with their +09:00 offset.
        line(
            "led-009",
            "acct-2001",
            1,
            "AccountOpened",
            "2024-03-01T09:00:00+09:00",
            "2024-03-01T09:00:02+09:00",
            json!({"currency": "JPY", "owner": "customer-7", "time_zone": "Asia/Tokyo"}),
        ),
        line(
            "led-010",
            "acct-2001",
            2,
            "Deposited",
            "2024-03-01T23:30:00+09:00",
            "2024-03-01T23:30:01+09:00",
            json!({"amount": 150000}),
        ),
        line(
            "led-011",
            "acct-2001",
            3,
            "Withdrawn",
            "2024-03-02T08:15:00+09:00",
            "2024-03-02T08:15:03+09:00",
            json!({"amount": 20000}),
        ),
    ];
    let file = dir.join("ledger.jsonl");
    write_raw_lines(&file, &rows)?;
    Ok(vec![file])
}
