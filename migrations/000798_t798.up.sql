CREATE TABLE t798 (id bigint PRIMARY KEY, name text NOT NULL);
