--
-- PostgreSQL database dump
--

\restrict hR7kQ2vX9pLm4TnB8cYdE1sWfN6gJ3uZqA5oP0iKxCbVtMeG7yDrS2lUj4Fh9wOa

-- Dumped from database version 17.6 (Debian 17.6-1.pgdg13+1)
-- Dumped by pg_dump version 17.6 (Debian 17.6-1.pgdg13+1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET transaction_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: mt_events; Type: TABLE; Schema: public; Owner: hiring
--

CREATE TABLE public.mt_events (
    seq_id bigint NOT NULL,
    id character varying NOT NULL,
stream_id character varying,
    version bigint NOT NULL,
    data jsonb NOT NULL,
type character varying(500) NOT NULL,
"timestamp" timestamp with time zone DEFAULT now() NOT NULL,
tenant_id character varying DEFAULT '*DEFAULT*'::character varying,
mt_dotnet_type character varying,
    correlation_id character varying,
causation_id character varying,
    headers jsonb,
    is_skipped boolean DEFAULT false
);


ALTER TABLE public.mt_events OWNER TO hiring;

--
-- Name: mt_streams; Type: TABLE; Schema: public; Owner: hiring
--

CREATE TABLE public.mt_streams (
    id character varying NOT NULL,
    type character varying,
version bigint,
    "timestamp" timestamp with time zone DEFAULT now() NOT NULL,
snapshot jsonb,
    snapshot_version integer,
created timestamp with time zone DEFAULT now() NOT NULL,
tenant_id character varying DEFAULT '*DEFAULT*'::character varying,
is_archived boolean DEFAULT false
);


ALTER TABLE public.mt_streams OWNER TO hiring;

--
-- Data for Name: mt_events; Type: TABLE DATA; Schema: public; Owner: hiring
--

COPY public.mt_events (seq_id, id, stream_id, version, data, type, "timestamp", tenant_id, mt_dotnet_type, correlation_id, causation_id, headers, is_skipped) FROM stdin;
1	hir-000182	candidate-043	1	{"skills": ["kubernetes", "go"], "education": "PhD", "resume_id": "res-043-1", "years_experience": 9}	resume_uploaded	2024-04-01 09:47:51.238822+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
2	hir-000183	candidate-043	2	{"current_title": "Analyst", "inferred_seniority": "senior"}	enrichment_completed	2024-04-01 10:43:16.217696+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000182	{"actor": "system/enricher"}	f
3	hir-000364	candidate-086	1	{"skills": ["rust", "kubernetes", "react"], "education": "MSc", "resume_id": "res-086-1", "years_experience": 1}	resume_uploaded	2024-04-01 13:40:58.211364+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
4	hir-000365	candidate-086	2	{"current_title": "Manager", "inferred_seniority": "mid"}	enrichment_completed	2024-04-01 13:56:08.659894+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000364	{"actor": "system/enricher"}	f
5	hir-000058	candidate-014	1	{"skills": ["rust", "sql", "statistics", "go", "terraform"], "education": "MSc", "resume_id": "res-014-1", "years_experience": 2}	resume_uploaded	2024-04-02 14:30:08.709518+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
6	hir-000186	candidate-044	1	{"skills": ["rust", "sql", "react", "statistics"], "education": "none", "resume_id": "res-044-1", "years_experience": 6}	resume_uploaded	2024-04-02 15:14:14.904406+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
7	hir-000059	candidate-014	2	{"current_title": "Analyst", "inferred_seniority": "mid"}	enrichment_completed	2024-04-02 15:20:38.334483+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000058	{"actor": "system/enricher"}	f
8	hir-000187	candidate-044	2	{"current_title": "Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-02 15:48:37.827022+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000186	{"actor": "system/enricher"}	f
9	hir-000288	candidate-068	1	{"skills": ["statistics", "go"], "education": "none", "resume_id": "res-068-1", "years_experience": 5}	resume_uploaded	2024-04-04 21:20:37.664084+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
10	hir-000289	candidate-068	2	{"current_title": "Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-04 21:39:12.428166+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000288	{"actor": "system/enricher"}	f
11	hir-000020	candidate-005	1	{"skills": ["python", "sql", "kubernetes", "statistics", "terraform"], "education": "BSc", "resume_id": "res-005-1", "years_experience": 1}	resume_uploaded	2024-04-05 03:40:44.055098+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
12	hir-000021	candidate-005	2	{"current_title": "Analyst", "inferred_seniority": "mid"}	enrichment_completed	2024-04-05 03:53:27.910891+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000020	{"actor": "system/enricher"}	f
13	hir-000177	candidate-042	1	{"skills": ["kubernetes", "react"], "education": "MSc", "resume_id": "res-042-1", "years_experience": 14}	resume_uploaded	2024-04-05 07:33:54.135118+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
14	hir-000178	candidate-042	2	{"current_title": "Analyst", "inferred_seniority": "senior"}	enrichment_completed	2024-04-05 08:17:39.533654+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000177	{"actor": "system/enricher"}	f
15	hir-000003	candidate-001	1	{"skills": ["rust", "python", "kubernetes"], "education": "BSc", "resume_id": "res-001-1", "years_experience": 4}	resume_uploaded	2024-04-05 09:50:24.484604+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
16	hir-000004	candidate-001	2	{"current_title": "Analyst", "inferred_seniority": "mid"}	enrichment_completed	2024-04-05 10:09:42.815999+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000003	{"actor": "system/enricher"}	f
17	hir-000271	candidate-064	1	{"skills": ["python", "kubernetes"], "education": "none", "resume_id": "res-064-1", "years_experience": 9}	resume_uploaded	2024-04-05 10:51:33.215129+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
18	hir-000272	candidate-064	2	{"current_title": "Engineer", "inferred_seniority": "senior"}	enrichment_completed	2024-04-05 11:10:03.775299+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000271	{"actor": "system/enricher"}	f
19	hir-000169	candidate-040	1	{"skills": ["statistics", "go"], "education": "none", "resume_id": "res-040-1", "years_experience": 3}	resume_uploaded	2024-04-05 15:54:21.143445+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
20	hir-000170	candidate-040	2	{"current_title": "Senior Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-05 16:30:47.818171+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000169	{"actor": "system/enricher"}	f
21	hir-000037	candidate-009	1	{"skills": ["terraform"], "education": "BSc", "resume_id": "res-009-1", "years_experience": 9}	resume_uploaded	2024-04-06 00:42:52.705842+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
22	hir-000038	candidate-009	2	{"current_title": "Engineer", "inferred_seniority": "senior"}	enrichment_completed	2024-04-06 00:55:22.871714+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000037	{"actor": "system/enricher"}	f
23	hir-000237	candidate-056	1	{"skills": ["rust", "python", "sql", "kubernetes", "go", "terraform"], "education": "none", "resume_id": "res-056-1", "years_experience": 6}	resume_uploaded	2024-04-06 04:05:16.330924+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
24	hir-000238	candidate-056	2	{"current_title": "Senior Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-06 04:45:47.441149+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000237	{"actor": "system/enricher"}	f
25	hir-000062	candidate-014	3	{"resume_id": "res-014-2", "skills_added": ["leadership"], "years_experience": 3}	resume_updated	2024-04-06 04:51:48.779738+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
26	hir-000275	candidate-065	1	{"skills": ["rust", "kubernetes", "statistics"], "education": "BSc", "resume_id": "res-065-1", "years_experience": 13}	resume_uploaded	2024-04-06 06:42:41.490980+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
27	hir-000276	candidate-065	2	{"current_title": "Engineer", "inferred_seniority": "senior"}	enrichment_completed	2024-04-06 07:13:21.778712+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000275	{"actor": "system/enricher"}	f
28	hir-000284	candidate-067	1	{"skills": ["rust", "python", "kubernetes", "statistics"], "education": "PhD", "resume_id": "res-067-1", "years_experience": 13}	resume_uploaded	2024-04-06 09:40:49.394435+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
29	hir-000285	candidate-067	2	{"current_title": "Manager", "inferred_seniority": "senior"}	enrichment_completed	2024-04-06 09:45:24.557704+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000284	{"actor": "system/enricher"}	f
30	hir-000305	candidate-072	1	{"skills": ["python", "sql", "statistics", "go"], "education": "none", "resume_id": "res-072-1", "years_experience": 11}	resume_uploaded	2024-04-06 15:39:41.702484+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
31	hir-000306	candidate-072	2	{"current_title": "Analyst", "inferred_seniority": "senior"}	enrichment_completed	2024-04-06 16:12:32.007288+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000305	{"actor": "system/enricher"}	f
32	hir-000033	candidate-008	1	{"skills": ["rust", "kubernetes", "statistics", "go", "terraform"], "education": "none", "resume_id": "res-008-1", "years_experience": 1}	resume_uploaded	2024-04-07 01:20:35.193176+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
33	hir-000034	candidate-008	2	{"current_title": "Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-07 02:16:32.233388+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000033	{"actor": "system/enricher"}	f
34	hir-000080	candidate-019	1	{"skills": ["rust", "python", "react", "go", "terraform"], "education": "PhD", "resume_id": "res-019-1", "years_experience": 2}	resume_uploaded	2024-04-07 08:33:57.364961+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
35	hir-000081	candidate-019	2	{"current_title": "Analyst", "inferred_seniority": "mid"}	enrichment_completed	2024-04-07 09:27:45.697722+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000080	{"actor": "system/enricher"}	f
36	hir-000330	candidate-078	1	{"skills": ["kubernetes"], "education": "MSc", "resume_id": "res-078-1", "years_experience": 12}	resume_uploaded	2024-04-07 21:29:23.020800+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
37	hir-000331	candidate-078	2	{"current_title": "Analyst", "inferred_seniority": "senior"}	enrichment_completed	2024-04-07 21:30:49.515251+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000330	{"actor": "system/enricher"}	f
38	hir-000024	candidate-006	1	{"skills": ["react", "statistics", "go"], "education": "MSc", "resume_id": "res-006-1", "years_experience": 13}	resume_uploaded	2024-04-08 09:05:54.051751+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
39	hir-000025	candidate-006	2	{"current_title": "Analyst", "inferred_seniority": "senior"}	enrichment_completed	2024-04-08 09:26:57.081347+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000024	{"actor": "system/enricher"}	f
40	hir-000092	candidate-022	1	{"skills": ["kubernetes", "statistics", "terraform"], "education": "MSc", "resume_id": "res-022-1", "years_experience": 1}	resume_uploaded	2024-04-08 13:06:03.046341+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
41	hir-000093	candidate-022	2	{"current_title": "Manager", "inferred_seniority": "mid"}	enrichment_completed	2024-04-08 14:05:33.796237+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000092	{"actor": "system/enricher"}	f
42	hir-000063	candidate-015	1	{"skills": ["rust"], "education": "PhD", "resume_id": "res-015-1", "years_experience": 12}	resume_uploaded	2024-04-08 20:56:00.398785+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
43	hir-000064	candidate-015	2	{"current_title": "Analyst", "inferred_seniority": "senior"}	enrichment_completed	2024-04-08 20:58:55.486510+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000063	{"actor": "system/enricher"}	f
44	hir-000203	candidate-048	1	{"skills": ["python", "kubernetes", "statistics", "terraform"], "education": "none", "resume_id": "res-048-1", "years_experience": 0}	resume_uploaded	2024-04-08 23:21:09.188898+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
45	hir-000204	candidate-048	2	{"current_title": "Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-09 00:01:25.774969+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000203	{"actor": "system/enricher"}	f
46	hir-000126	candidate-030	1	{"skills": ["kubernetes"], "education": "MSc", "resume_id": "res-030-1", "years_experience": 3}	resume_uploaded	2024-04-09 04:34:13.417414+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
47	hir-000127	candidate-030	2	{"current_title": "Analyst", "inferred_seniority": "mid"}	enrichment_completed	2024-04-09 05:06:37.693746+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000126	{"actor": "system/enricher"}	f
48	hir-000046	candidate-011	1	{"skills": ["react", "statistics", "terraform"], "education": "PhD", "resume_id": "res-011-1", "years_experience": 6}	resume_uploaded	2024-04-09 05:31:02.601448+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
49	hir-000047	candidate-011	2	{"current_title": "Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-09 06:01:26.058404+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000046	{"actor": "system/enricher"}	f
50	hir-000160	candidate-038	1	{"skills": ["rust", "statistics", "terraform"], "education": "MSc", "resume_id": "res-038-1", "years_experience": 7}	resume_uploaded	2024-04-09 12:59:48.963819+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
51	hir-000161	candidate-038	2	{"current_title": "Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-09 13:31:21.634517+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000160	{"actor": "system/enricher"}	f
52	hir-000254	candidate-060	1	{"skills": ["rust", "python", "statistics"], "education": "none", "resume_id": "res-060-1", "years_experience": 3}	resume_uploaded	2024-04-10 01:20:11.026504+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
53	hir-000255	candidate-060	2	{"current_title": "Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-10 02:07:25.326981+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000254	{"actor": "system/enricher"}	f
54	hir-000122	candidate-029	1	{"skills": ["kubernetes", "statistics", "go", "terraform"], "education": "BSc", "resume_id": "res-029-1", "years_experience": 8}	resume_uploaded	2024-04-10 02:13:25.772741+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
55	hir-000123	candidate-029	2	{"current_title": "Engineer", "inferred_seniority": "senior"}	enrichment_completed	2024-04-10 02:43:21.745233+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000122	{"actor": "system/enricher"}	f
56	hir-000105	candidate-025	1	{"skills": ["go"], "education": "BSc", "resume_id": "res-025-1", "years_experience": 13}	resume_uploaded	2024-04-10 09:44:15.130652+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
57	hir-000106	candidate-025	2	{"current_title": "Senior Engineer", "inferred_seniority": "senior"}	enrichment_completed	2024-04-10 10:35:09.546059+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000105	{"actor": "system/enricher"}	f
58	hir-000152	candidate-036	1	{"skills": ["rust"], "education": "none", "resume_id": "res-036-1", "years_experience": 11}	resume_uploaded	2024-04-10 12:46:01.414909+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
59	hir-000153	candidate-036	2	{"current_title": "Analyst", "inferred_seniority": "senior"}	enrichment_completed	2024-04-10 13:27:29.881657+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000152	{"actor": "system/enricher"}	f
60	hir-000097	candidate-023	1	{"skills": ["python", "sql", "react", "terraform"], "education": "PhD", "resume_id": "res-023-1", "years_experience": 10}	resume_uploaded	2024-04-10 15:05:01.214309+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
61	hir-000098	candidate-023	2	{"current_title": "Senior Engineer", "inferred_seniority": "senior"}	enrichment_completed	2024-04-10 15:54:03.399042+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000097	{"actor": "system/enricher"}	f
62	hir-000334	candidate-078	3	{"resume_id": "res-078-2", "skills_added": ["leadership"], "years_experience": 13}	resume_updated	2024-04-10 22:07:45.220597+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
63	hir-000368	candidate-086	3	{"resume_id": "res-086-2", "skills_added": ["leadership"], "years_experience": 2}	resume_updated	2024-04-10 22:24:23.422312+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
64	hir-000096	candidate-022	3	{"resume_id": "res-022-2", "skills_added": ["leadership"], "years_experience": 2}	resume_updated	2024-04-11 00:47:25.873439+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
65	hir-000262	candidate-062	1	{"skills": ["rust", "python", "kubernetes"], "education": "MSc", "resume_id": "res-062-1", "years_experience": 10}	resume_uploaded	2024-04-11 10:12:37.762958+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
66	hir-000263	candidate-062	2	{"current_title": "Analyst", "inferred_seniority": "senior"}	enrichment_completed	2024-04-11 11:01:17.249571+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000262	{"actor": "system/enricher"}	f
67	hir-000301	candidate-071	1	{"skills": ["python", "sql", "go"], "education": "PhD", "resume_id": "res-071-1", "years_experience": 11}	resume_uploaded	2024-04-11 15:30:28.753396+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
68	hir-000302	candidate-071	2	{"current_title": "Analyst", "inferred_seniority": "senior"}	enrichment_completed	2024-04-11 15:44:07.292705+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000301	{"actor": "system/enricher"}	f
69	hir-000228	candidate-054	1	{"skills": ["react"], "education": "MSc", "resume_id": "res-054-1", "years_experience": 5}	resume_uploaded	2024-04-12 05:03:10.670271+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
70	hir-000229	candidate-054	2	{"current_title": "Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-12 05:31:43.827519+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000228	{"actor": "system/enricher"}	f
71	hir-000369	candidate-087	1	{"skills": ["rust", "sql", "kubernetes"], "education": "PhD", "resume_id": "res-087-1", "years_experience": 8}	resume_uploaded	2024-04-12 05:38:29.099506+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
72	hir-000370	candidate-087	2	{"current_title": "Analyst", "inferred_seniority": "senior"}	enrichment_completed	2024-04-12 06:30:38.209280+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000369	{"actor": "system/enricher"}	f
73	hir-000067	candidate-016	1	{"skills": ["rust", "python", "sql", "kubernetes", "react", "statistics"], "education": "none", "resume_id": "res-016-1", "years_experience": 6}	resume_uploaded	2024-04-12 12:47:37.679373+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
74	hir-000068	candidate-016	2	{"current_title": "Analyst", "inferred_seniority": "mid"}	enrichment_completed	2024-04-12 12:51:28.553072+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000067	{"actor": "system/enricher"}	f
75	hir-000071	candidate-017	1	{"skills": ["go"], "education": "BSc", "resume_id": "res-017-1", "years_experience": 8}	resume_uploaded	2024-04-13 03:05:32.688616+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
76	hir-000072	candidate-017	2	{"current_title": "Engineer", "inferred_seniority": "senior"}	enrichment_completed	2024-04-13 03:25:56.593482+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000071	{"actor": "system/enricher"}	f
77	hir-000029	candidate-007	1	{"skills": ["react", "terraform"], "education": "PhD", "resume_id": "res-007-1", "years_experience": 10}	resume_uploaded	2024-04-13 09:12:33.608061+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
78	hir-000030	candidate-007	2	{"current_title": "Manager", "inferred_seniority": "senior"}	enrichment_completed	2024-04-13 09:20:01.391091+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000029	{"actor": "system/enricher"}	f
79	hir-000109	candidate-026	1	{"skills": ["rust", "python", "react", "go", "terraform"], "education": "MSc", "resume_id": "res-026-1", "years_experience": 4}	resume_uploaded	2024-04-13 10:45:55.733810+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
80	hir-000110	candidate-026	2	{"current_title": "Manager", "inferred_seniority": "mid"}	enrichment_completed	2024-04-13 11:30:59.714474+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000109	{"actor": "system/enricher"}	f
81	hir-000028	candidate-006	3	{"resume_id": "res-006-2", "skills_added": ["leadership"], "years_experience": 14}	resume_updated	2024-04-14 00:08:22.468497+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
82	hir-000156	candidate-037	1	{"skills": ["kubernetes", "statistics"], "education": "BSc", "resume_id": "res-037-1", "years_experience": 0}	resume_uploaded	2024-04-14 00:35:52.911380+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
83	hir-000157	candidate-037	2	{"current_title": "Manager", "inferred_seniority": "mid"}	enrichment_completed	2024-04-14 01:21:34.477931+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000156	{"actor": "system/enricher"}	f
84	hir-000266	candidate-062	3	{"resume_id": "res-062-2", "skills_added": ["leadership"], "years_experience": 11}	resume_updated	2024-04-14 02:22:29.677320+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
85	hir-000181	candidate-042	3	{"resume_id": "res-042-2", "skills_added": ["leadership"], "years_experience": 15}	resume_updated	2024-04-14 02:55:47.818852+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
86	hir-000220	candidate-052	1	{"skills": ["sql", "kubernetes"], "education": "none", "resume_id": "res-052-1", "years_experience": 10}	resume_uploaded	2024-04-14 08:41:51.269853+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
87	hir-000221	candidate-052	2	{"current_title": "Manager", "inferred_seniority": "senior"}	enrichment_completed	2024-04-14 09:07:06.709281+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000220	{"actor": "system/enricher"}	f
88	hir-000377	candidate-089	1	{"skills": ["rust", "python", "sql", "react", "terraform"], "education": "BSc", "resume_id": "res-089-1", "years_experience": 1}	resume_uploaded	2024-04-14 09:58:01.746351+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
89	hir-000378	candidate-089	2	{"current_title": "Manager", "inferred_seniority": "mid"}	enrichment_completed	2024-04-14 10:10:55.128725+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000377	{"actor": "system/enricher"}	f
90	hir-000347	candidate-082	1	{"skills": ["rust", "sql", "statistics", "terraform"], "education": "MSc", "resume_id": "res-082-1", "years_experience": 9}	resume_uploaded	2024-04-14 17:32:12.182062+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
91	hir-000348	candidate-082	2	{"current_title": "Manager", "inferred_seniority": "senior"}	enrichment_completed	2024-04-14 18:00:47.056529+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000347	{"actor": "system/enricher"}	f
92	hir-000232	candidate-054	3	{"resume_id": "res-054-2", "skills_added": ["leadership"], "years_experience": 6}	resume_updated	2024-04-14 18:25:05.796848+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
93	hir-000211	candidate-050	1	{"skills": ["terraform"], "education": "MSc", "resume_id": "res-050-1", "years_experience": 9}	resume_uploaded	2024-04-15 08:49:46.907304+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
94	hir-000212	candidate-050	2	{"current_title": "Senior Engineer", "inferred_seniority": "senior"}	enrichment_completed	2024-04-15 08:57:52.707052+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000211	{"actor": "system/enricher"}	f
95	hir-000245	candidate-058	1	{"skills": [], "education": "MSc", "resume_id": "res-058-1", "years_experience": 5}	resume_uploaded	2024-04-15 09:50:12.580298+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
96	hir-000246	candidate-058	2	{"current_title": "Senior Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-15 10:17:06.410972+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000245	{"actor": "system/enricher"}	f
97	hir-000339	candidate-080	1	{"skills": ["rust", "python"], "education": "none", "resume_id": "res-080-1", "years_experience": 12}	resume_uploaded	2024-04-19 01:19:05.819352+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
98	hir-000340	candidate-080	2	{"current_title": "Senior Engineer", "inferred_seniority": "senior"}	enrichment_completed	2024-04-19 02:01:32.439598+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000339	{"actor": "system/enricher"}	f
99	hir-000164	candidate-038	3	{"resume_id": "res-038-2", "skills_added": ["leadership"], "years_experience": 8}	resume_updated	2024-04-19 04:30:13.676953+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
100	hir-000016	candidate-004	1	{"skills": ["rust", "python", "kubernetes"], "education": "none", "resume_id": "res-004-1", "years_experience": 8}	resume_uploaded	2024-04-19 17:28:39.851594+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
101	hir-000017	candidate-004	2	{"current_title": "Senior Engineer", "inferred_seniority": "senior"}	enrichment_completed	2024-04-19 17:35:20.428376+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000016	{"actor": "system/enricher"}	f
102	hir-000267	candidate-063	1	{"skills": ["sql", "kubernetes", "statistics", "go", "terraform"], "education": "PhD", "resume_id": "res-063-1", "years_experience": 9}	resume_uploaded	2024-04-19 22:30:03.829860+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
103	hir-000268	candidate-063	2	{"current_title": "Analyst", "inferred_seniority": "senior"}	enrichment_completed	2024-04-19 23:02:33.412890+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000267	{"actor": "system/enricher"}	f
104	hir-000352	candidate-083	1	{"skills": ["kubernetes", "statistics", "terraform"], "education": "PhD", "resume_id": "res-083-1", "years_experience": 5}	resume_uploaded	2024-04-20 03:10:28.478090+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
105	hir-000353	candidate-083	2	{"current_title": "Senior Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-20 03:57:35.039785+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000352	{"actor": "system/enricher"}	f
106	hir-000113	candidate-026	3	{"resume_id": "res-026-2", "skills_added": ["leadership"], "years_experience": 5}	resume_updated	2024-04-20 06:59:38.520770+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
107	hir-000130	candidate-030	3	{"resume_id": "res-030-2", "skills_added": ["leadership"], "years_experience": 4}	resume_updated	2024-04-20 13:07:24.020251+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
108	hir-000381	candidate-090	1	{"skills": ["rust", "python", "sql", "react", "statistics", "go", "terraform"], "education": "MSc", "resume_id": "res-090-1", "years_experience": 14}	resume_uploaded	2024-04-20 14:56:15.927149+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
109	hir-000382	candidate-090	2	{"current_title": "Analyst", "inferred_seniority": "senior"}	enrichment_completed	2024-04-20 15:38:58.524275+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000381	{"actor": "system/enricher"}	f
110	hir-000075	candidate-018	1	{"skills": ["rust", "terraform"], "education": "MSc", "resume_id": "res-018-1", "years_experience": 5}	resume_uploaded	2024-04-20 19:49:13.992777+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
111	hir-000076	candidate-018	2	{"current_title": "Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-20 20:45:44.412110+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000075	{"actor": "system/enricher"}	f
112	hir-000249	candidate-058	3	{"resume_id": "res-058-2", "skills_added": ["leadership"], "years_experience": 6}	resume_updated	2024-04-20 23:28:32.930994+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
113	hir-000041	candidate-010	1	{"skills": ["statistics", "terraform"], "education": "MSc", "resume_id": "res-010-1", "years_experience": 2}	resume_uploaded	2024-04-21 23:53:50.615526+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
114	hir-000042	candidate-010	2	{"current_title": "Senior Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-22 00:07:22.436977+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000041	{"actor": "system/enricher"}	f
115	hir-000322	candidate-076	1	{"skills": ["rust", "python", "kubernetes", "go"], "education": "none", "resume_id": "res-076-1", "years_experience": 11}	resume_uploaded	2024-04-22 05:15:38.473194+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
116	hir-000323	candidate-076	2	{"current_title": "Senior Engineer", "inferred_seniority": "senior"}	enrichment_completed	2024-04-22 05:27:33.296339+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000322	{"actor": "system/enricher"}	f
117	hir-000173	candidate-041	1	{"skills": ["python", "sql"], "education": "BSc", "resume_id": "res-041-1", "years_experience": 14}	resume_uploaded	2024-04-22 15:50:02.471171+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
118	hir-000174	candidate-041	2	{"current_title": "Manager", "inferred_seniority": "senior"}	enrichment_completed	2024-04-22 16:21:44.233448+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000173	{"actor": "system/enricher"}	f
119	hir-000216	candidate-051	1	{"skills": ["statistics"], "education": "PhD", "resume_id": "res-051-1", "years_experience": 14}	resume_uploaded	2024-04-22 18:35:45.147759+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
120	hir-000217	candidate-051	2	{"current_title": "Engineer", "inferred_seniority": "senior"}	enrichment_completed	2024-04-22 19:14:32.521211+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000216	{"actor": "system/enricher"}	f
121	hir-000194	candidate-046	1	{"skills": ["rust", "go"], "education": "MSc", "resume_id": "res-046-1", "years_experience": 1}	resume_uploaded	2024-04-22 20:55:07.653846+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
122	hir-000195	candidate-046	2	{"current_title": "Analyst", "inferred_seniority": "mid"}	enrichment_completed	2024-04-22 21:42:11.825088+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000194	{"actor": "system/enricher"}	f
123	hir-000326	candidate-077	1	{"skills": ["kubernetes", "react"], "education": "BSc", "resume_id": "res-077-1", "years_experience": 10}	resume_uploaded	2024-04-23 01:38:10.032253+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
124	hir-000327	candidate-077	2	{"current_title": "Manager", "inferred_seniority": "senior"}	enrichment_completed	2024-04-23 02:30:22.365590+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000326	{"actor": "system/enricher"}	f
125	hir-000241	candidate-057	1	{"skills": ["rust", "python", "terraform"], "education": "BSc", "resume_id": "res-057-1", "years_experience": 8}	resume_uploaded	2024-04-23 03:19:48.324222+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
126	hir-000242	candidate-057	2	{"current_title": "Engineer", "inferred_seniority": "senior"}	enrichment_completed	2024-04-23 04:11:32.228049+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000241	{"actor": "system/enricher"}	f
127	hir-000351	candidate-082	3	{"resume_id": "res-082-2", "skills_added": ["leadership"], "years_experience": 10}	resume_updated	2024-04-23 08:54:03.261230+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
128	hir-000007	candidate-002	1	{"skills": ["kubernetes", "react"], "education": "MSc", "resume_id": "res-002-1", "years_experience": 4}	resume_uploaded	2024-04-23 20:31:53.749154+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
129	hir-000008	candidate-002	2	{"current_title": "Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-23 20:44:44.958759+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000007	{"actor": "system/enricher"}	f
130	hir-000224	candidate-053	1	{"skills": ["rust", "python", "sql", "kubernetes", "react", "statistics", "go", "terraform"], "education": "BSc", "resume_id": "res-053-1", "years_experience": 1}	resume_uploaded	2024-04-23 22:24:57.404912+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
131	hir-000225	candidate-053	2	{"current_title": "Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-23 23:11:25.897097+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000224	{"actor": "system/enricher"}	f
132	hir-000258	candidate-061	1	{"skills": ["rust", "sql", "statistics"], "education": "BSc", "resume_id": "res-061-1", "years_experience": 3}	resume_uploaded	2024-04-24 03:58:42.090957+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
133	hir-000259	candidate-061	2	{"current_title": "Manager", "inferred_seniority": "mid"}	enrichment_completed	2024-04-24 04:22:43.585740+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000258	{"actor": "system/enricher"}	f
134	hir-000215	candidate-050	3	{"resume_id": "res-050-2", "skills_added": ["leadership"], "years_experience": 10}	resume_updated	2024-04-24 09:05:30.683418+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
135	hir-000084	candidate-020	1	{"skills": ["sql", "kubernetes", "go", "terraform"], "education": "none", "resume_id": "res-020-1", "years_experience": 0}	resume_uploaded	2024-04-25 16:15:07.614644+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
136	hir-000085	candidate-020	2	{"current_title": "Manager", "inferred_seniority": "mid"}	enrichment_completed	2024-04-25 16:25:37.444425+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000084	{"actor": "system/enricher"}	f
137	hir-000309	candidate-073	1	{"skills": ["rust", "sql", "go", "terraform"], "education": "BSc", "resume_id": "res-073-1", "years_experience": 12}	resume_uploaded	2024-04-25 23:36:19.154007+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
138	hir-000310	candidate-073	2	{"current_title": "Analyst", "inferred_seniority": "senior"}	enrichment_completed	2024-04-25 23:44:00.717356+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000309	{"actor": "system/enricher"}	f
139	hir-000118	candidate-028	1	{"skills": ["python", "react", "go", "terraform"], "education": "none", "resume_id": "res-028-1", "years_experience": 2}	resume_uploaded	2024-04-26 05:35:25.469758+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
140	hir-000119	candidate-028	2	{"current_title": "Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-26 06:23:40.889909+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000118	{"actor": "system/enricher"}	f
141	hir-000385	candidate-090	3	{"resume_id": "res-090-2", "skills_added": ["leadership"], "years_experience": 15}	resume_updated	2024-04-26 07:15:59.057873+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
142	hir-000279	candidate-066	1	{"skills": ["react", "statistics", "go"], "education": "MSc", "resume_id": "res-066-1", "years_experience": 6}	resume_uploaded	2024-04-26 19:44:51.135861+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
143	hir-000280	candidate-066	2	{"current_title": "Senior Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-26 19:56:20.158504+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000279	{"actor": "system/enricher"}	f
144	hir-000135	candidate-032	1	{"skills": ["python", "kubernetes", "statistics", "go"], "education": "none", "resume_id": "res-032-1", "years_experience": 1}	resume_uploaded	2024-04-27 01:52:37.227834+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
145	hir-000136	candidate-032	2	{"current_title": "Senior Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-27 02:49:07.206390+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000135	{"actor": "system/enricher"}	f
146	hir-000011	candidate-002	3	{"resume_id": "res-002-2", "skills_added": ["leadership"], "years_experience": 5}	resume_updated	2024-04-27 09:32:55.247634+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
147	hir-000318	candidate-075	1	{"skills": ["rust", "python", "kubernetes", "terraform"], "education": "PhD", "resume_id": "res-075-1", "years_experience": 7}	resume_uploaded	2024-04-27 13:30:28.268033+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
148	hir-000319	candidate-075	2	{"current_title": "Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-27 13:47:41.932010+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000318	{"actor": "system/enricher"}	f
149	hir-000199	candidate-047	1	{"skills": ["rust", "python", "sql", "kubernetes", "statistics"], "education": "PhD", "resume_id": "res-047-1", "years_experience": 1}	resume_uploaded	2024-04-28 00:04:54.482630+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
150	hir-000200	candidate-047	2	{"current_title": "Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-28 00:58:09.474502+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000199	{"actor": "system/enricher"}	f
151	hir-000045	candidate-010	3	{"resume_id": "res-010-2", "skills_added": ["leadership"], "years_experience": 3}	resume_updated	2024-04-28 10:03:01.843501+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
152	hir-000335	candidate-079	1	{"skills": ["sql", "react", "statistics", "terraform"], "education": "PhD", "resume_id": "res-079-1", "years_experience": 12}	resume_uploaded	2024-04-28 11:36:45.588940+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
153	hir-000336	candidate-079	2	{"current_title": "Manager", "inferred_seniority": "senior"}	enrichment_completed	2024-04-28 11:39:41.094755+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000335	{"actor": "system/enricher"}	f
154	hir-000233	candidate-055	1	{"skills": ["python", "terraform"], "education": "PhD", "resume_id": "res-055-1", "years_experience": 3}	resume_uploaded	2024-04-28 15:40:30.144311+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
155	hir-000234	candidate-055	2	{"current_title": "Senior Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-04-28 15:43:54.599027+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000233	{"actor": "system/enricher"}	f
156	hir-000088	candidate-021	1	{"skills": ["rust", "python", "kubernetes", "go"], "education": "BSc", "resume_id": "res-021-1", "years_experience": 8}	resume_uploaded	2024-04-28 20:56:44.943746+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
157	hir-000089	candidate-021	2	{"current_title": "Manager", "inferred_seniority": "senior"}	enrichment_completed	2024-04-28 20:58:37.053793+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000088	{"actor": "system/enricher"}	f
158	hir-000313	candidate-074	1	{"skills": ["kubernetes", "statistics", "terraform"], "education": "MSc", "resume_id": "res-074-1", "years_experience": 13}	resume_uploaded	2024-04-29 00:06:35.789602+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
159	hir-000314	candidate-074	2	{"current_title": "Engineer", "inferred_seniority": "senior"}	enrichment_completed	2024-04-29 00:23:44.859148+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000313	{"actor": "system/enricher"}	f
160	hir-000198	candidate-046	3	{"resume_id": "res-046-2", "skills_added": ["leadership"], "years_experience": 2}	resume_updated	2024-04-29 11:31:35.782209+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
161	hir-000373	candidate-088	1	{"skills": ["rust", "python", "sql", "statistics", "terraform"], "education": "none", "resume_id": "res-088-1", "years_experience": 8}	resume_uploaded	2024-04-29 12:10:37.680092+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
162	hir-000374	candidate-088	2	{"current_title": "Analyst", "inferred_seniority": "senior"}	enrichment_completed	2024-04-29 12:39:52.206002+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000373	{"actor": "system/enricher"}	f
163	hir-000283	candidate-066	3	{"resume_id": "res-066-2", "skills_added": ["leadership"], "years_experience": 7}	resume_updated	2024-04-30 07:17:37.492979+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
164	hir-000165	candidate-039	1	{"skills": ["rust", "sql"], "education": "PhD", "resume_id": "res-039-1", "years_experience": 11}	resume_uploaded	2024-05-01 00:16:29.569394+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
165	hir-000166	candidate-039	2	{"current_title": "Manager", "inferred_seniority": "senior"}	enrichment_completed	2024-05-01 00:58:28.137664+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000165	{"actor": "system/enricher"}	f
166	hir-000079	candidate-018	3	{"resume_id": "res-018-2", "skills_added": ["leadership"], "years_experience": 6}	resume_updated	2024-05-01 04:25:16.746542+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
167	hir-000207	candidate-049	1	{"skills": ["rust", "python", "kubernetes", "statistics", "terraform"], "education": "BSc", "resume_id": "res-049-1", "years_experience": 1}	resume_uploaded	2024-05-01 11:16:06.722008+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
168	hir-000208	candidate-049	2	{"current_title": "Senior Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-05-01 11:36:59.953758+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000207	{"actor": "system/enricher"}	f
169	hir-000190	candidate-045	1	{"skills": ["sql", "react"], "education": "BSc", "resume_id": "res-045-1", "years_experience": 5}	resume_uploaded	2024-05-01 16:43:28.110921+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
170	hir-000191	candidate-045	2	{"current_title": "Senior Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-05-01 16:57:15.874477+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000190	{"actor": "system/enricher"}	f
171	hir-000292	candidate-069	1	{"skills": ["kubernetes"], "education": "BSc", "resume_id": "res-069-1", "years_experience": 11}	resume_uploaded	2024-05-01 17:33:40.593427+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
172	hir-000293	candidate-069	2	{"current_title": "Senior Engineer", "inferred_seniority": "senior"}	enrichment_completed	2024-05-01 18:24:55.247948+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000292	{"actor": "system/enricher"}	f
173	hir-000296	candidate-070	1	{"skills": ["rust", "react", "go"], "education": "MSc", "resume_id": "res-070-1", "years_experience": 9}	resume_uploaded	2024-05-02 02:29:06.618090+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
174	hir-000297	candidate-070	2	{"current_title": "Analyst", "inferred_seniority": "senior"}	enrichment_completed	2024-05-02 03:23:26.179528+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000296	{"actor": "system/enricher"}	f
175	hir-000139	candidate-033	1	{"skills": ["python", "sql", "kubernetes", "statistics"], "education": "BSc", "resume_id": "res-033-1", "years_experience": 7}	resume_uploaded	2024-05-02 12:50:03.913562+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
176	hir-000140	candidate-033	2	{"current_title": "Senior Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-05-02 13:22:45.425391+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000139	{"actor": "system/enricher"}	f
177	hir-000356	candidate-084	1	{"skills": ["python", "react", "statistics"], "education": "none", "resume_id": "res-084-1", "years_experience": 1}	resume_uploaded	2024-05-02 17:57:33.785954+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
178	hir-000357	candidate-084	2	{"current_title": "Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-05-02 18:23:46.283890+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000356	{"actor": "system/enricher"}	f
179	hir-000114	candidate-027	1	{"skills": ["python", "kubernetes", "statistics", "go"], "education": "PhD", "resume_id": "res-027-1", "years_experience": 0}	resume_uploaded	2024-05-03 02:12:14.438026+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
180	hir-000101	candidate-024	1	{"skills": ["statistics"], "education": "none", "resume_id": "res-024-1", "years_experience": 0}	resume_uploaded	2024-05-03 03:00:11.011862+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
181	hir-000115	candidate-027	2	{"current_title": "Manager", "inferred_seniority": "mid"}	enrichment_completed	2024-05-03 03:01:40.480904+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000114	{"actor": "system/enricher"}	f
182	hir-000102	candidate-024	2	{"current_title": "Manager", "inferred_seniority": "mid"}	enrichment_completed	2024-05-03 03:45:54.216632+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000101	{"actor": "system/enricher"}	f
183	hir-000050	candidate-012	1	{"skills": ["statistics"], "education": "none", "resume_id": "res-012-1", "years_experience": 8}	resume_uploaded	2024-05-03 11:43:00.174620+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
184	hir-000051	candidate-012	2	{"current_title": "Engineer", "inferred_seniority": "senior"}	enrichment_completed	2024-05-03 12:14:56.103494+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000050	{"actor": "system/enricher"}	f
185	hir-000360	candidate-085	1	{"skills": ["sql", "kubernetes", "react", "go", "terraform"], "education": "BSc", "resume_id": "res-085-1", "years_experience": 7}	resume_uploaded	2024-05-04 03:18:49.685412+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
186	hir-000361	candidate-085	2	{"current_title": "Senior Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-05-04 03:54:16.559995+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000360	{"actor": "system/enricher"}	f
187	hir-000131	candidate-031	1	{"skills": ["rust"], "education": "PhD", "resume_id": "res-031-1", "years_experience": 0}	resume_uploaded	2024-05-04 11:43:23.378998+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
188	hir-000132	candidate-031	2	{"current_title": "Manager", "inferred_seniority": "mid"}	enrichment_completed	2024-05-04 12:36:25.740169+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000131	{"actor": "system/enricher"}	f
189	hir-000054	candidate-013	1	{"skills": ["kubernetes", "react", "statistics", "terraform"], "education": "BSc", "resume_id": "res-013-1", "years_experience": 4}	resume_uploaded	2024-05-04 13:12:55.222497+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
190	hir-000055	candidate-013	2	{"current_title": "Manager", "inferred_seniority": "mid"}	enrichment_completed	2024-05-04 14:00:16.759844+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000054	{"actor": "system/enricher"}	f
191	hir-000012	candidate-003	1	{"skills": ["python", "kubernetes", "terraform"], "education": "PhD", "resume_id": "res-003-1", "years_experience": 5}	resume_uploaded	2024-05-04 18:06:11.099509+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
192	hir-000013	candidate-003	2	{"current_title": "Senior Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-05-04 18:43:24.915335+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000012	{"actor": "system/enricher"}	f
193	hir-000250	candidate-059	1	{"skills": ["python", "terraform"], "education": "PhD", "resume_id": "res-059-1", "years_experience": 9}	resume_uploaded	2024-05-05 12:55:38.946919+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
194	hir-000251	candidate-059	2	{"current_title": "Analyst", "inferred_seniority": "senior"}	enrichment_completed	2024-05-05 13:01:33.029071+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000250	{"actor": "system/enricher"}	f
195	hir-000300	candidate-070	3	{"resume_id": "res-070-2", "skills_added": ["leadership"], "years_experience": 10}	resume_updated	2024-05-05 17:35:38.724460+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
196	hir-000148	candidate-035	1	{"skills": ["rust", "python", "react", "go"], "education": "PhD", "resume_id": "res-035-1", "years_experience": 4}	resume_uploaded	2024-05-05 18:43:53.963570+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
197	hir-000149	candidate-035	2	{"current_title": "Engineer", "inferred_seniority": "mid"}	enrichment_completed	2024-05-05 19:29:20.621773+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000148	{"actor": "system/enricher"}	f
198	hir-000143	candidate-034	1	{"skills": ["python", "sql", "kubernetes"], "education": "MSc", "resume_id": "res-034-1", "years_experience": 14}	resume_uploaded	2024-05-06 01:46:28.160612+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
199	hir-000144	candidate-034	2	{"current_title": "Analyst", "inferred_seniority": "senior"}	enrichment_completed	2024-05-06 02:17:06.596627+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000143	{"actor": "system/enricher"}	f
200	hir-000343	candidate-081	1	{"skills": ["react", "statistics", "go"], "education": "BSc", "resume_id": "res-081-1", "years_experience": 8}	resume_uploaded	2024-05-06 03:08:48.904536+00	*DEFAULT*	Hiring.Events.ResumeUploaded, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
201	hir-000344	candidate-081	2	{"current_title": "Analyst", "inferred_seniority": "senior"}	enrichment_completed	2024-05-06 03:29:36.720042+00	*DEFAULT*	Hiring.Events.EnrichmentCompleted, Hiring.Events	\N	hir-000343	{"actor": "system/enricher"}	f
202	hir-000317	candidate-074	3	{"resume_id": "res-074-2", "skills_added": ["leadership"], "years_experience": 14}	resume_updated	2024-05-06 11:45:23.502284+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
203	hir-000147	candidate-034	3	{"resume_id": "res-034-2", "skills_added": ["leadership"], "years_experience": 15}	resume_updated	2024-05-10 15:24:21.491054+00	*DEFAULT*	Hiring.Events.ResumeUpdated, Hiring.Events	\N	\N	{"actor": "human/candidate"}	f
\.


--
-- Data for Name: mt_streams; Type: TABLE DATA; Schema: public; Owner: hiring
--

COPY public.mt_streams (id, type, version, "timestamp", snapshot, snapshot_version, created, tenant_id, is_archived) FROM stdin;
candidate-001	candidate	2	2024-04-05 10:09:42.815999+00	\N	\N	2024-04-05 09:50:24.484604+00	*DEFAULT*	f
candidate-002	candidate	3	2024-04-27 09:32:55.247634+00	\N	\N	2024-04-23 20:31:53.749154+00	*DEFAULT*	f
candidate-003	candidate	2	2024-05-04 18:43:24.915335+00	\N	\N	2024-05-04 18:06:11.099509+00	*DEFAULT*	f
candidate-004	candidate	2	2024-04-19 17:35:20.428376+00	\N	\N	2024-04-19 17:28:39.851594+00	*DEFAULT*	f
candidate-005	candidate	2	2024-04-05 03:53:27.910891+00	\N	\N	2024-04-05 03:40:44.055098+00	*DEFAULT*	f
candidate-006	candidate	3	2024-04-14 00:08:22.468497+00	\N	\N	2024-04-08 09:05:54.051751+00	*DEFAULT*	f
candidate-007	candidate	2	2024-04-13 09:20:01.391091+00	\N	\N	2024-04-13 09:12:33.608061+00	*DEFAULT*	f
candidate-008	candidate	2	2024-04-07 02:16:32.233388+00	\N	\N	2024-04-07 01:20:35.193176+00	*DEFAULT*	f
candidate-009	candidate	2	2024-04-06 00:55:22.871714+00	\N	\N	2024-04-06 00:42:52.705842+00	*DEFAULT*	f
candidate-010	candidate	3	2024-04-28 10:03:01.843501+00	\N	\N	2024-04-21 23:53:50.615526+00	*DEFAULT*	f
candidate-011	candidate	2	2024-04-09 06:01:26.058404+00	\N	\N	2024-04-09 05:31:02.601448+00	*DEFAULT*	f
candidate-012	candidate	2	2024-05-03 12:14:56.103494+00	\N	\N	2024-05-03 11:43:00.174620+00	*DEFAULT*	f
candidate-013	candidate	2	2024-05-04 14:00:16.759844+00	\N	\N	2024-05-04 13:12:55.222497+00	*DEFAULT*	f
candidate-014	candidate	3	2024-04-06 04:51:48.779738+00	\N	\N	2024-04-02 14:30:08.709518+00	*DEFAULT*	f
candidate-015	candidate	2	2024-04-08 20:58:55.486510+00	\N	\N	2024-04-08 20:56:00.398785+00	*DEFAULT*	f
candidate-016	candidate	2	2024-04-12 12:51:28.553072+00	\N	\N	2024-04-12 12:47:37.679373+00	*DEFAULT*	f
candidate-017	candidate	2	2024-04-13 03:25:56.593482+00	\N	\N	2024-04-13 03:05:32.688616+00	*DEFAULT*	f
candidate-018	candidate	3	2024-05-01 04:25:16.746542+00	\N	\N	2024-04-20 19:49:13.992777+00	*DEFAULT*	f
candidate-019	candidate	2	2024-04-07 09:27:45.697722+00	\N	\N	2024-04-07 08:33:57.364961+00	*DEFAULT*	f
candidate-020	candidate	2	2024-04-25 16:25:37.444425+00	\N	\N	2024-04-25 16:15:07.614644+00	*DEFAULT*	f
candidate-021	candidate	2	2024-04-28 20:58:37.053793+00	\N	\N	2024-04-28 20:56:44.943746+00	*DEFAULT*	f
candidate-022	candidate	3	2024-04-11 00:47:25.873439+00	\N	\N	2024-04-08 13:06:03.046341+00	*DEFAULT*	f
candidate-023	candidate	2	2024-04-10 15:54:03.399042+00	\N	\N	2024-04-10 15:05:01.214309+00	*DEFAULT*	f
candidate-024	candidate	2	2024-05-03 03:45:54.216632+00	\N	\N	2024-05-03 03:00:11.011862+00	*DEFAULT*	f
candidate-025	candidate	2	2024-04-10 10:35:09.546059+00	\N	\N	2024-04-10 09:44:15.130652+00	*DEFAULT*	f
candidate-026	candidate	3	2024-04-20 06:59:38.520770+00	\N	\N	2024-04-13 10:45:55.733810+00	*DEFAULT*	f
candidate-027	candidate	2	2024-05-03 03:01:40.480904+00	\N	\N	2024-05-03 02:12:14.438026+00	*DEFAULT*	f
candidate-028	candidate	2	2024-04-26 06:23:40.889909+00	\N	\N	2024-04-26 05:35:25.469758+00	*DEFAULT*	f
candidate-029	candidate	2	2024-04-10 02:43:21.745233+00	\N	\N	2024-04-10 02:13:25.772741+00	*DEFAULT*	f
candidate-030	candidate	3	2024-04-20 13:07:24.020251+00	\N	\N	2024-04-09 04:34:13.417414+00	*DEFAULT*	f
candidate-031	candidate	2	2024-05-04 12:36:25.740169+00	\N	\N	2024-05-04 11:43:23.378998+00	*DEFAULT*	f
candidate-032	candidate	2	2024-04-27 02:49:07.206390+00	\N	\N	2024-04-27 01:52:37.227834+00	*DEFAULT*	f
candidate-033	candidate	2	2024-05-02 13:22:45.425391+00	\N	\N	2024-05-02 12:50:03.913562+00	*DEFAULT*	f
candidate-034	candidate	3	2024-05-10 15:24:21.491054+00	\N	\N	2024-05-06 01:46:28.160612+00	*DEFAULT*	f
candidate-035	candidate	2	2024-05-05 19:29:20.621773+00	\N	\N	2024-05-05 18:43:53.963570+00	*DEFAULT*	f
candidate-036	candidate	2	2024-04-10 13:27:29.881657+00	\N	\N	2024-04-10 12:46:01.414909+00	*DEFAULT*	f
candidate-037	candidate	2	2024-04-14 01:21:34.477931+00	\N	\N	2024-04-14 00:35:52.911380+00	*DEFAULT*	f
candidate-038	candidate	3	2024-04-19 04:30:13.676953+00	\N	\N	2024-04-09 12:59:48.963819+00	*DEFAULT*	f
candidate-039	candidate	2	2024-05-01 00:58:28.137664+00	\N	\N	2024-05-01 00:16:29.569394+00	*DEFAULT*	f
candidate-040	candidate	2	2024-04-05 16:30:47.818171+00	\N	\N	2024-04-05 15:54:21.143445+00	*DEFAULT*	f
candidate-041	candidate	2	2024-04-22 16:21:44.233448+00	\N	\N	2024-04-22 15:50:02.471171+00	*DEFAULT*	f
candidate-042	candidate	3	2024-04-14 02:55:47.818852+00	\N	\N	2024-04-05 07:33:54.135118+00	*DEFAULT*	f
candidate-043	candidate	2	2024-04-01 10:43:16.217696+00	\N	\N	2024-04-01 09:47:51.238822+00	*DEFAULT*	f
candidate-044	candidate	2	2024-04-02 15:48:37.827022+00	\N	\N	2024-04-02 15:14:14.904406+00	*DEFAULT*	f
candidate-045	candidate	2	2024-05-01 16:57:15.874477+00	\N	\N	2024-05-01 16:43:28.110921+00	*DEFAULT*	f
candidate-046	candidate	3	2024-04-29 11:31:35.782209+00	\N	\N	2024-04-22 20:55:07.653846+00	*DEFAULT*	f
candidate-047	candidate	2	2024-04-28 00:58:09.474502+00	\N	\N	2024-04-28 00:04:54.482630+00	*DEFAULT*	f
candidate-048	candidate	2	2024-04-09 00:01:25.774969+00	\N	\N	2024-04-08 23:21:09.188898+00	*DEFAULT*	f
candidate-049	candidate	2	2024-05-01 11:36:59.953758+00	\N	\N	2024-05-01 11:16:06.722008+00	*DEFAULT*	f
candidate-050	candidate	3	2024-04-24 09:05:30.683418+00	\N	\N	2024-04-15 08:49:46.907304+00	*DEFAULT*	f
candidate-051	candidate	2	2024-04-22 19:14:32.521211+00	\N	\N	2024-04-22 18:35:45.147759+00	*DEFAULT*	f
candidate-052	candidate	2	2024-04-14 09:07:06.709281+00	\N	\N	2024-04-14 08:41:51.269853+00	*DEFAULT*	f
candidate-053	candidate	2	2024-04-23 23:11:25.897097+00	\N	\N	2024-04-23 22:24:57.404912+00	*DEFAULT*	f
candidate-054	candidate	3	2024-04-14 18:25:05.796848+00	\N	\N	2024-04-12 05:03:10.670271+00	*DEFAULT*	f
candidate-055	candidate	2	2024-04-28 15:43:54.599027+00	\N	\N	2024-04-28 15:40:30.144311+00	*DEFAULT*	f
candidate-056	candidate	2	2024-04-06 04:45:47.441149+00	\N	\N	2024-04-06 04:05:16.330924+00	*DEFAULT*	f
candidate-057	candidate	2	2024-04-23 04:11:32.228049+00	\N	\N	2024-04-23 03:19:48.324222+00	*DEFAULT*	f
candidate-058	candidate	3	2024-04-20 23:28:32.930994+00	\N	\N	2024-04-15 09:50:12.580298+00	*DEFAULT*	f
candidate-059	candidate	2	2024-05-05 13:01:33.029071+00	\N	\N	2024-05-05 12:55:38.946919+00	*DEFAULT*	f
candidate-060	candidate	2	2024-04-10 02:07:25.326981+00	\N	\N	2024-04-10 01:20:11.026504+00	*DEFAULT*	f
candidate-061	candidate	2	2024-04-24 04:22:43.585740+00	\N	\N	2024-04-24 03:58:42.090957+00	*DEFAULT*	f
candidate-062	candidate	3	2024-04-14 02:22:29.677320+00	\N	\N	2024-04-11 10:12:37.762958+00	*DEFAULT*	f
candidate-063	candidate	2	2024-04-19 23:02:33.412890+00	\N	\N	2024-04-19 22:30:03.829860+00	*DEFAULT*	f
candidate-064	candidate	2	2024-04-05 11:10:03.775299+00	\N	\N	2024-04-05 10:51:33.215129+00	*DEFAULT*	f
candidate-065	candidate	2	2024-04-06 07:13:21.778712+00	\N	\N	2024-04-06 06:42:41.490980+00	*DEFAULT*	f
candidate-066	candidate	3	2024-04-30 07:17:37.492979+00	\N	\N	2024-04-26 19:44:51.135861+00	*DEFAULT*	f
candidate-067	candidate	2	2024-04-06 09:45:24.557704+00	\N	\N	2024-04-06 09:40:49.394435+00	*DEFAULT*	f
candidate-068	candidate	2	2024-04-04 21:39:12.428166+00	\N	\N	2024-04-04 21:20:37.664084+00	*DEFAULT*	f
candidate-069	candidate	2	2024-05-01 18:24:55.247948+00	\N	\N	2024-05-01 17:33:40.593427+00	*DEFAULT*	f
candidate-070	candidate	3	2024-05-05 17:35:38.724460+00	\N	\N	2024-05-02 02:29:06.618090+00	*DEFAULT*	f
candidate-071	candidate	2	2024-04-11 15:44:07.292705+00	\N	\N	2024-04-11 15:30:28.753396+00	*DEFAULT*	f
candidate-072	candidate	2	2024-04-06 16:12:32.007288+00	\N	\N	2024-04-06 15:39:41.702484+00	*DEFAULT*	f
candidate-073	candidate	2	2024-04-25 23:44:00.717356+00	\N	\N	2024-04-25 23:36:19.154007+00	*DEFAULT*	f
candidate-074	candidate	3	2024-05-06 11:45:23.502284+00	\N	\N	2024-04-29 00:06:35.789602+00	*DEFAULT*	f
candidate-075	candidate	2	2024-04-27 13:47:41.932010+00	\N	\N	2024-04-27 13:30:28.268033+00	*DEFAULT*	f
candidate-076	candidate	2	2024-04-22 05:27:33.296339+00	\N	\N	2024-04-22 05:15:38.473194+00	*DEFAULT*	f
candidate-077	candidate	2	2024-04-23 02:30:22.365590+00	\N	\N	2024-04-23 01:38:10.032253+00	*DEFAULT*	f
candidate-078	candidate	3	2024-04-10 22:07:45.220597+00	\N	\N	2024-04-07 21:29:23.020800+00	*DEFAULT*	f
candidate-079	candidate	2	2024-04-28 11:39:41.094755+00	\N	\N	2024-04-28 11:36:45.588940+00	*DEFAULT*	f
candidate-080	candidate	2	2024-04-19 02:01:32.439598+00	\N	\N	2024-04-19 01:19:05.819352+00	*DEFAULT*	f
candidate-081	candidate	2	2024-05-06 03:29:36.720042+00	\N	\N	2024-05-06 03:08:48.904536+00	*DEFAULT*	f
candidate-082	candidate	3	2024-04-23 08:54:03.261230+00	\N	\N	2024-04-14 17:32:12.182062+00	*DEFAULT*	f
candidate-083	candidate	2	2024-04-20 03:57:35.039785+00	\N	\N	2024-04-20 03:10:28.478090+00	*DEFAULT*	f
candidate-084	candidate	2	2024-05-02 18:23:46.283890+00	\N	\N	2024-05-02 17:57:33.785954+00	*DEFAULT*	f
candidate-085	candidate	2	2024-05-04 03:54:16.559995+00	\N	\N	2024-05-04 03:18:49.685412+00	*DEFAULT*	f
candidate-086	candidate	3	2024-04-10 22:24:23.422312+00	\N	\N	2024-04-01 13:40:58.211364+00	*DEFAULT*	f
candidate-087	candidate	2	2024-04-12 06:30:38.209280+00	\N	\N	2024-04-12 05:38:29.099506+00	*DEFAULT*	f
candidate-088	candidate	2	2024-04-29 12:39:52.206002+00	\N	\N	2024-04-29 12:10:37.680092+00	*DEFAULT*	f
candidate-089	candidate	2	2024-04-14 10:10:55.128725+00	\N	\N	2024-04-14 09:58:01.746351+00	*DEFAULT*	f
candidate-090	candidate	3	2024-04-26 07:15:59.057873+00	\N	\N	2024-04-20 14:56:15.927149+00	*DEFAULT*	f
\.


--
-- PostgreSQL database dump complete
--

\unrestrict hR7kQ2vX9pLm4TnB8cYdE1sWfN6gJ3uZqA5oP0iKxCbVtMeG7yDrS2lUj4Fh9wOa

