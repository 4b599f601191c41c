CREATE TABLE t503 (id bigint PRIMARY KEY, name text NOT NULL);
