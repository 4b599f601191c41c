CREATE TABLE t397 (id bigint PRIMARY KEY, name text NOT NULL);
