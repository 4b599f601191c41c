CREATE TABLE t205 (id bigint PRIMARY KEY, name text NOT NULL);
