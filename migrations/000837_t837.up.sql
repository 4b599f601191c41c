CREATE TABLE t837 (id bigint PRIMARY KEY, name text NOT NULL);
