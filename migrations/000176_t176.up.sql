CREATE TABLE t176 (id bigint PRIMARY KEY, name text NOT NULL);
