CREATE TABLE t778 (id bigint PRIMARY KEY, name text NOT NULL);
