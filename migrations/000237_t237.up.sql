CREATE TABLE t237 (id bigint PRIMARY KEY, name text NOT NULL);
