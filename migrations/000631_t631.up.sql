CREATE TABLE t631 (id bigint PRIMARY KEY, name text NOT NULL);
