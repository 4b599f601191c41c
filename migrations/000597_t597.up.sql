CREATE TABLE t597 (id bigint PRIMARY KEY, name text NOT NULL);
