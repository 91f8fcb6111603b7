-- GET /v1/audit?case_reference= finds the cases with a reference across all nodes (an auditor
-- answering "who read my data?" knows the pseudonym, not the owner's id): server/api/audit.c.
CREATE INDEX client_case_reference_idx ON client_case (reference);
