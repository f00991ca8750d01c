CREATE TABLE "golden_lineage_sets" (
	"entity" text NOT NULL,
	"golden_id" uuid NOT NULL,
	"fields" jsonb NOT NULL,
	CONSTRAINT "golden_lineage_sets_entity_golden_id_pk" PRIMARY KEY("entity","golden_id")
);
--> statement-breakpoint
-- One row per golden record from here on: the field rows so far, folded into one object each.
INSERT INTO "golden_lineage_sets" ("entity", "golden_id", "fields")
SELECT "entity", "golden_id", jsonb_object_agg("field", jsonb_strip_nulls(jsonb_build_object(
	's', "source_record_id", 'y', "system", 'r', "rule", 't', to_char("changed_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))))
FROM "golden_lineage" GROUP BY "entity", "golden_id";
--> statement-breakpoint
DROP TABLE "golden_lineage" CASCADE;
--> statement-breakpoint
-- The lineage one row per field, as readers (and SQL written against the old table) expect it.
CREATE VIEW "golden_lineage" AS
SELECT l."entity", l."golden_id", f.key AS "field", (f.value->>'s')::bigint AS "source_record_id",
	f.value->>'y' AS "system", f.value->>'r' AS "rule", (f.value->>'t')::timestamptz AS "changed_at"
FROM "golden_lineage_sets" l, jsonb_each(l."fields") AS f;
