CREATE TABLE t620 (id bigint PRIMARY KEY, name text NOT NULL);
