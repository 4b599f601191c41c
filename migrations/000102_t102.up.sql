CREATE TABLE t102 (id bigint PRIMARY KEY, name text NOT NULL);
