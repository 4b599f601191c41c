CREATE TABLE t742 (id bigint PRIMARY KEY, name text NOT NULL);
