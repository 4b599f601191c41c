CREATE TABLE t861 (id bigint PRIMARY KEY, name text NOT NULL);
