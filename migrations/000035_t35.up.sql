CREATE TABLE t35 (id bigint PRIMARY KEY, name text NOT NULL);
