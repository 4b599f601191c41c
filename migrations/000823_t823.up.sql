CREATE TABLE t823 (id bigint PRIMARY KEY, name text NOT NULL);
