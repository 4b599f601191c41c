CREATE TABLE t651 (id bigint PRIMARY KEY, name text NOT NULL);
