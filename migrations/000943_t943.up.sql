CREATE TABLE t943 (id bigint PRIMARY KEY, name text NOT NULL);
