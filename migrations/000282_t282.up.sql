CREATE TABLE t282 (id bigint PRIMARY KEY, name text NOT NULL);
