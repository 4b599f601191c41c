CREATE TABLE t780 (id bigint PRIMARY KEY, name text NOT NULL);
