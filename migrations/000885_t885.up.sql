CREATE TABLE t885 (id bigint PRIMARY KEY, name text NOT NULL);
