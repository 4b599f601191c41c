CREATE TABLE t937 (id bigint PRIMARY KEY, name text NOT NULL);
