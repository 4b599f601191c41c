CREATE TABLE t167 (id bigint PRIMARY KEY, name text NOT NULL);
